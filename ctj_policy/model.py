"""The normalized, typed model of the CTJ deployment.

Every loader (plan JSON, HCL sources, Checkov's per-resource conf) produces a
:class:`Deployment`; every rule is a pure function of it.  This module imports
nothing but the standard library: the Checkov adapter loads it inside
Checkov's own virtual environment.

Values
------
An attribute value in the model is one of

* a plain Python value (``str``, ``int``, ``float``, ``bool``, ``None`` for
  "not set", ``tuple``/``dict``) when it is known at plan time;
* :class:`Unknown` when it cannot be decided, carrying why and where from;
* :class:`Ref` when it is known only after apply but its *identity* is known:
  it names the resource attribute it comes from (``aws_lb_target_group.api``'s
  ``arn``).  Two refs are equal iff they name the same attribute of the same
  resource instance;
* :class:`Template` for a string built from known text and refs
  (``"${module.ecr.repository_url}:stage"``).

``Unknown``, ``Ref`` and ``Template`` refuse truth-testing, so a rule cannot
silently treat "not known" as false or true.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .addresses import address_labels, strip_index  # noqa: F401 (re-exported: the model's address helpers)

# ---- values ----------------------------------------------------------------
KNOWN_AFTER_APPLY = "known after apply"
SENSITIVE = "sensitive"
UNRESOLVED = "unresolved reference"
NOT_EVALUATED = "not evaluated"


class _NoTruth:
    __slots__ = ()

    def __bool__(self) -> bool:  # pragma: no cover - a guard, exercised by tests
        raise TypeError(f"{type(self).__name__} has no truth value; test it with is_known()")


@dataclass(frozen=True)
class Unknown(_NoTruth):
    """A value that could not be decided.

    ``reason`` is one of the module constants (known after apply, sensitive,
    unresolved reference, not evaluated); ``where`` is the address and
    attribute path it came from; ``detail`` says what is missing and how to
    supply it.
    """

    reason: str
    where: str = ""
    detail: str = ""

    def describe(self) -> str:
        text = f"{self.where or 'value'} is {self.reason}"
        if self.detail:
            text += f" ({self.detail})"
        return text


@dataclass(frozen=True)
class Ref(_NoTruth):
    """A value known only after apply, identified by where it comes from."""

    address: str
    attribute: str = ""

    def describe(self) -> str:
        return f"{self.address}.{self.attribute}" if self.attribute else self.address


@dataclass(frozen=True)
class Template(_NoTruth):
    """A string made of literal text and :class:`Ref`/:class:`Unknown` parts."""

    parts: tuple

    def describe(self) -> str:
        out = []
        for p in self.parts:
            out.append(p if isinstance(p, str) else "${" + p.describe() + "}")
        return "".join(out)


def is_symbolic(value: Any) -> bool:
    """True for a value the input cannot tell: an Unknown, a Ref or a Template."""
    return isinstance(value, (Unknown, Ref, Template))


def is_known(value: Any) -> bool:
    """True when ``value`` (recursively) holds no Unknown, Ref or Template."""
    if is_symbolic(value):
        return False
    if isinstance(value, (list, tuple)):
        return all(is_known(v) for v in value)
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    return True


def first_unknown(*values: Any) -> Unknown | None:
    """The first Unknown found in ``values`` (recursively), else None."""
    for value in values:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Template):
            found = first_unknown(*value.parts)
            if found is not None:
                return found
        elif isinstance(value, (list, tuple)):
            found = first_unknown(*value)
            if found is not None:
                return found
        elif isinstance(value, dict):
            found = first_unknown(*value.values())
            if found is not None:
                return found
    return None


def describe(value: Any, *, quote: bool = False) -> str:
    """A value for messages (never a secret's): a name as is, or quoted
    (``quote=True``, for images, ports, paths); a value known only after apply
    as ``${address.attribute}``."""
    if isinstance(value, Template):
        text = value.describe()
        return repr(text) if quote else text
    if isinstance(value, (Unknown, Ref)):
        return "${" + value.describe() + "}"
    return repr(value) if quote else str(value)


def same_value(a: Any, b: Any) -> bool | None:
    """Equality that knows about symbolic values: True/False when decidable, None when not (an Unknown on
    either side, or a Ref compared with a literal)."""
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return None
    if isinstance(a, Ref) and isinstance(b, Ref):
        return ref_matches(a, b.address, b.attribute)
    if isinstance(a, Template) and isinstance(b, Template):
        if len(a.parts) != len(b.parts):
            return None
        results = [same_value(x, y) for x, y in zip(a.parts, b.parts, strict=True)]
        if all(r is True for r in results):
            return True
        if any(r is False for r in results) and all(
            isinstance(x, str) == isinstance(y, str) for x, y in zip(a.parts, b.parts, strict=True)
        ):
            return False
        return None
    if isinstance(a, (Ref, Template)) or isinstance(b, (Ref, Template)):
        return None
    return a == b


def ref_matches(ref: Ref, address: str, attribute: str | None = None) -> bool:
    """Does ``ref`` name ``address`` (tolerating a missing ``[0]`` index)?"""
    if attribute is not None and ref.attribute != attribute:
        return False
    if ref.address == address:
        return True
    return strip_index(ref.address) == strip_index(address) and (
        strip_index(ref.address) in (ref.address, address)
    )


# ---- locations -------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where in the ``.tf`` sources a model element is defined.

    ``call_site`` is the module block that instantiated the module holding
    this element (outermost last), when the element lives inside a module.
    ``module`` is the address of that module instance (``""`` = the root
    module, ``None`` = not recorded): where a finding is shown follows from it
    (ctj_policy.reporters.locations).
    """

    file: str
    line: int
    call_site: Location | None = None
    module: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


# ---- containers ------------------------------------------------------------


@dataclass(frozen=True)
class EnvVar:
    """A container's plain ``environment`` entry."""

    name: Any
    value: Any
    sensitive: bool = False  # the plan (or HCL `sensitive`) marks the value sensitive
    # where the sensitivity comes from, fit to print (never the value): "var.x, marked sensitive",
    # "the plan's after_sensitive", "also stored as the SecureString module.x.aws_ssm_parameter.this"
    sensitive_from: str = ""


@dataclass(frozen=True)
class SecretVar:
    """A container's ``secrets`` entry: the variable and the secret (ARN or Ref) it is read from."""

    name: Any
    value_from: Any


@dataclass(frozen=True)
class PortMapping:
    """A container's ``portMappings`` entry."""

    container_port: Any
    host_port: Any = None
    protocol: Any = None


@dataclass(frozen=True)
class MountPoint:
    """A container's ``mountPoints`` entry: which task volume appears at which path."""

    source_volume: Any
    container_path: Any
    read_only: Any = None  # None = not set = read-write


@dataclass(frozen=True)
class Dependency:
    """A container's ``dependsOn`` entry: start after another container reaches a condition."""

    container_name: Any
    condition: Any


@dataclass(frozen=True)
class Container:
    """One container definition of a task (the parsed ``container_definitions`` JSON)."""

    name: Any
    image: Any = None
    essential: Any = None
    port_mappings: Any = ()  # tuple[PortMapping] | Unknown
    environment: Any = ()  # tuple[EnvVar] | Unknown
    secrets: Any = ()  # tuple[SecretVar] | Unknown
    mount_points: Any = ()  # tuple[MountPoint] | Unknown
    depends_on: Any = ()  # tuple[Dependency] | Unknown
    health_check: Any = None  # dict | None | Unknown
    location: Location | None = None
    command: Any = ()  # entryPoint + command words (role evidence: gunicorn, next start ...) | Unknown

    def env(self, name: str) -> EnvVar | None:
        if not isinstance(self.environment, tuple):
            return None
        for var in self.environment:
            if var.name == name:
                return var
        return None

    def secret(self, name: str) -> SecretVar | None:
        if not isinstance(self.secrets, tuple):
            return None
        for var in self.secrets:
            if var.name == name:
                return var
        return None


# ---- resources -------------------------------------------------------------


_GENERATION = [0]  # bumped by every change to a resource or a ResourceList: Deployment.resolve's index checks it


def generation() -> int:
    return _GENERATION[0]


@dataclass
class Resource:
    """Common fields: the plan address (instance address) and the source location."""

    address: str
    location: Location | None = field(default=None, kw_only=True)
    type: str = field(default="", kw_only=True)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        _GENERATION[0] += 1


class ResourceList(list):
    """A Deployment's list of resources (a ``list``): every change bumps the generation."""


def _bumping(name: str):
    def method(self, *args, **kwargs):
        _GENERATION[0] += 1
        return getattr(list, name)(self, *args, **kwargs)

    return method


_CHANGES = ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse")
for _name in _CHANGES + ("__setitem__", "__delitem__", "__iadd__", "__imul__"):
    setattr(ResourceList, _name, _bumping(_name))


@dataclass(frozen=True)
class EfsVolumeConfig:
    """A task volume's ``efs_volume_configuration`` block."""

    file_system_id: Any
    root_directory: Any = None
    transit_encryption: Any = None


@dataclass(frozen=True)
class DockerVolumeConfig:
    """A task volume's ``docker_volume_configuration`` block."""

    scope: Any = None  # "task" | "shared" | None
    autoprovision: Any = None
    driver: Any = None


@dataclass(frozen=True)
class Volume:
    """A task definition's ``volume`` block."""

    name: Any
    host_path: Any = None
    efs: EfsVolumeConfig | None = None
    docker: DockerVolumeConfig | None = None
    configure_at_launch: Any = None


@dataclass
class TaskDefinition(Resource):
    """An ``aws_ecs_task_definition``: its containers, volumes and network mode."""

    family: Any = None
    network_mode: Any = None  # None = not set (bridge on EC2)
    requires_compatibilities: Any = ()  # tuple[str] | Unknown
    containers: Any = ()  # tuple[Container] | Unknown
    volumes: Any = ()  # tuple[Volume] | Unknown
    arn: Any = None  # known arn string or Ref

    def container_named(self, name: str) -> Container | None:
        if not isinstance(self.containers, tuple):
            return None
        for c in self.containers:
            if c.name == name:
                return c
        return None

    def volume_named(self, name: Any) -> Volume | None:
        if not isinstance(self.volumes, tuple):
            return None
        for v in self.volumes:
            if v.name == name:
                return v
        return None


@dataclass(frozen=True)
class LoadBalancerAttachment:
    """A service's ``load_balancer`` block: a target group wired to a container port."""

    target_group: Any  # arn str | Ref | Unknown
    container_name: Any
    container_port: Any


@dataclass
class Service(Resource):
    """An ``aws_ecs_service``: what it runs, how many, how it deploys, which target groups it feeds."""

    name: Any = None
    task_definition: Any = None  # arn/family str | Ref | Unknown
    desired_count: Any = None
    deployment_maximum_percent: Any = None
    deployment_minimum_healthy_percent: Any = None
    launch_type: Any = None
    capacity_providers: Any = ()  # tuple[str] | Unknown
    load_balancers: Any = ()  # tuple[LoadBalancerAttachment] | Unknown
    name_ref: Any = None  # what autoscaling targets reference (Ref to the service)
    cluster: Any = None  # cluster name or ARN | Ref | Unknown; None = not set (the cluster named "default")


@dataclass
class TargetGroup(Resource):
    """An ``aws_lb_target_group`` (or ``aws_alb_target_group``)."""

    name: Any = None
    arn: Any = None  # known arn | Ref(self.address, "arn")
    port: Any = None
    protocol: Any = None
    target_type: Any = None  # None = not set = "instance"


@dataclass(frozen=True)
class RuleCondition:
    """A listener rule's ``condition`` block (path patterns and host headers)."""

    path_patterns: Any = ()  # tuple[str] | Unknown
    host_headers: Any = ()  # tuple[str] | Unknown


@dataclass(frozen=True)
class RuleAction:
    """A listener rule's ``action`` block: its type and the target groups it forwards to."""

    type: Any
    target_groups: Any = ()  # tuple[arn|Ref|Unknown] | Unknown (forward targets)


@dataclass
class ListenerRule(Resource):
    """An ``aws_lb_listener_rule``: conditions and actions, by priority."""

    listener: Any = None
    priority: Any = None
    conditions: Any = ()  # tuple[RuleCondition] | Unknown
    actions: Any = ()  # tuple[RuleAction] | Unknown


@dataclass
class IngressRule(Resource):
    """One ingress permission (security group block or rule resource)."""

    from_port: Any = None
    to_port: Any = None
    protocol: Any = None  # "-1"/"all" = all traffic
    sources: Any = ()  # cidr blocks / security group ids, for messages


@dataclass
class EcrRepository(Resource):
    """An ``aws_ecr_repository``: where an image may come from."""

    name: Any = None
    repository_url: Any = None  # known url | Ref(self.address, "repository_url")


@dataclass
class Secret(Resource):
    """aws_secretsmanager_secret / aws_ssm_parameter."""

    name: Any = None
    arn: Any = None


# the managed-database resource types (SPEC section 4, CTJ020); loaders also count
# every ``postgresql_*`` resource and every ``aws_db_*``/``aws_rds_*`` data source
DATABASE_RESOURCE_TYPES = frozenset(
    {
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_rds_cluster_instance",
        "aws_db_proxy",
        "aws_rds_global_cluster",
    }
)


@dataclass
class DatabaseResource(Resource):
    """Anything that provisions or reads a managed database.

    ``kind``: "resource" (aws_db_instance, aws_rds_cluster, postgresql_* ...),
    "data" (data.aws_db_instance ...) or "module" (a database module call).
    """

    kind: str = "resource"
    identifier: Any = None


@dataclass
class AutoscalingTarget(Resource):
    """An ``aws_appautoscaling_target`` (capacity bounds of an ECS service)."""

    resource_id: Any = None
    min_capacity: Any = None
    max_capacity: Any = None
    scalable_dimension: Any = None


@dataclass
class ModuleCall(Resource):
    """A ``module`` block in scope: its name and source."""

    name: str = ""
    source: Any = None


@dataclass(frozen=True)
class UnevaluatedModule:
    """A module call in scope whose source the loader could not read (a remote or registry
    source, a missing local path, a source it could not evaluate): what it deploys is not
    in the model, so a rule about what it might deploy cannot pass."""

    address: str  # module.civic-tech-jobs.module.db
    reason: str  # one line, fit to print: "module source 'git::https://...' is not local (...)"
    source: str = ""  # fit to print (credentials masked)
    location: Location | None = None


@dataclass
class Deployment:
    """Everything in scope that the rules look at."""

    scope: str = ""  # "module.civic-tech-jobs" or "" for the whole input
    task_definitions: list[TaskDefinition] = field(default_factory=ResourceList)
    services: list[Service] = field(default_factory=ResourceList)
    target_groups: list[TargetGroup] = field(default_factory=ResourceList)
    listener_rules: list[ListenerRule] = field(default_factory=ResourceList)
    ingress_rules: list[IngressRule] = field(default_factory=ResourceList)
    ecr_repositories: list[EcrRepository] = field(default_factory=ResourceList)
    secrets: list[Secret] = field(default_factory=ResourceList)
    databases: list[DatabaseResource] = field(default_factory=ResourceList)
    autoscaling_targets: list[AutoscalingTarget] = field(default_factory=ResourceList)
    module_calls: list[ModuleCall] = field(default_factory=ResourceList)
    # strings that must never be printed (sensitive values, secret env values)
    redact: set[str] = field(default_factory=set)
    # free-form notes from the loader (e.g. unresolved module sources)
    notes: list[str] = field(default_factory=list)
    # module calls in scope whose resources are not in the model (HCL mode: sources not read)
    unevaluated_modules: list[UnevaluatedModule] = field(default_factory=list)
    # inline waivers found by a loader (objects shaped like config.WaiverSpec)
    waivers: list = field(default_factory=list)
    # deploy workflows given with --workflow (workflow_model.Workflow); none: CTJ040-CTJ044 are not run
    workflows: list = field(default_factory=list)
    # Deployment.resolve's indexes, by (id of the candidate list, attributes); see ctj_policy.model_index
    _indexes: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def all_resources(self) -> Iterator[Resource]:
        for group in (
            self.task_definitions,
            self.services,
            self.target_groups,
            self.listener_rules,
            self.ingress_rules,
            self.ecr_repositories,
            self.secrets,
            self.databases,
            self.autoscaling_targets,
            self.module_calls,
        ):
            yield from group

    def find(self, address: str) -> Resource | None:
        for res in self.all_resources():
            if res.address == address:
                return res
        for res in self.all_resources():
            if strip_index(res.address) == strip_index(address):
                return res
        return None

    def resolve(self, value: Any, candidates: Iterable[Resource], attrs: tuple[str, ...] = ("arn", "id")) -> Resource | Unknown | None:
        """Which of ``candidates`` does ``value`` (an arn/id/name or Ref) point at?

        Returns the resource, None when it points at none of them, or an
        Unknown when that cannot be decided.  Indexed: one pass over a list
        of candidates, reused until it or a resource changes.
        """
        from .model_index import resolve

        return resolve(self._indexes, value, candidates, attrs)


# ---- results ---------------------------------------------------------------

PASS = "pass"
FAIL = "fail"
UNKNOWN = "unknown"
WAIVED = "waived"
STATUSES = (PASS, FAIL, UNKNOWN, WAIVED)

ERROR = "error"
WARNING = "warning"


SUBJECT_KINDS = (
    "task",  # a task definition (name = its address)
    "container",  # a container of the CTJ task (name = container name)
    "env",  # an environment/secrets variable (name = variable name, container = its container)
    "route",  # an ALB path pattern (name = the pattern, e.g. "/api/*")
    "target_group",  # a target group (name = its address)
    "attachment",  # a service load_balancer block (name = role or container, container = container)
    "volume",  # a task volume (name = volume name, container = the mounting container)
    "service",  # an ECS service (name = its address)
    "repository",  # an ECR repository (name = repository name)
    "block",  # any other Terraform block (name = its address)
    "workflow",  # a deploy-workflow step (name = job/step id)
    "waiver",  # an expired waiver (name = the waiver's address pattern); no baseline accepts it
)


@dataclass(frozen=True)
class Subject:
    """What a finding is about, structured so reporters, the diagram and
    baseline fingerprints never parse message text.  Holds names, never values."""

    kind: str  # one of SUBJECT_KINDS
    name: str
    container: str | None = None

    def key(self) -> str:
        """A stable, value-free identity: ``kind:container/name``."""
        return f"{self.kind}:{self.container + '/' if self.container else ''}{self.name}"


@dataclass(frozen=True)
class Finding:
    """What a rule's check yields: a verdict about one thing."""

    status: str
    message: str
    address: str | None = None
    location: Location | None = None
    subject: Subject | None = None


@dataclass(frozen=True)
class Result:
    """A finding stamped with its rule's metadata; what reporters consume."""

    rule_id: str
    title: str
    severity: str
    status: str
    message: str
    address: str | None = None
    location: Location | None = None
    waiver_reason: str | None = None
    subject: Subject | None = None
    # "new" | "unchanged" with --baseline (ctj_policy.baseline); None otherwise
    baseline: str | None = None
    # the rule ID of the failing result this one follows from (ctj_policy.causes); None for a cause or a stand-alone
    caused_by: str | None = None

    def sort_key(self) -> tuple:
        return (self.rule_id, self.address or "", self.message)


@dataclass(frozen=True)
class InputInfo:
    """What was checked (the ``input`` object of the JSON report)."""

    kind: str  # "plan" | "hcl"
    path: str
    format_version: str | None = None
    terraform_version: str | None = None
    scope: str = ""


@dataclass
class Report:
    """Everything a reporter needs; reporters know nothing of Terraform."""

    tool_name: str
    tool_version: str
    input: InputInfo
    results: list[Result]
    exit_code: int
    allow_unknown: bool = False
    # the deployment as checked, for reporters that draw it (markdown)
    deployment: Deployment | None = None
    # the config.Config the results were evaluated with (the diagram classifies as the rules did)
    config: Any = None
    # with --baseline: the file's ``path`` and its ``fixed`` entries (rule, address, subject) no longer found
    baseline: Any = None

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.results:
            out[r.status] += 1
        return out
