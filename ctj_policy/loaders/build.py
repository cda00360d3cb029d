"""Terraform resources -> model objects: the one dispatch every loader shares.  Standard library only.

Which resource types become which model objects, and how each object is
assembled from attributes and nested blocks, is decided here once.  What a
value *is* in a given input (absent, unknown, symbolic, sensitive) is not:
each loader hands :func:`add_resource` an adapter over its own input shape
that answers the questions of :class:`ResourceView`:

* ``plan._Attrs``: a plan resource's ``after``/``after_unknown`` (unknown
  values resolved across module boundaries through the configuration);
* ``checkov_conf._Conf``: Checkov's list-wrapped resource conf (a missing
  attribute may mean "known after apply");
* ``hcl._View``: the HCL evaluator's view of a resource block (symbolic
  values stay Ref/Template/Unknown).

The builder states what it knows about an attribute as a *hint* (the
Terraform schema's view, not the input's); an adapter decides what the hint
means for its input, and may ignore it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from ..model import (
    AutoscalingTarget,
    Container,
    DatabaseResource,
    Deployment,
    DockerVolumeConfig,
    EcrRepository,
    EfsVolumeConfig,
    IngressRule,
    ListenerRule,
    LoadBalancerAttachment,
    Location,
    Ref,
    RuleAction,
    RuleCondition,
    Secret,
    Service,
    TargetGroup,
    TaskDefinition,
    Unknown,
    Volume,
    is_symbolic,
)
from .scope import resource_kind

# --------------------------------------------------------------------------
# hints: what the builder knows about an attribute
# --------------------------------------------------------------------------

PLAIN = "plain"
"""Nothing special: a missing value is unset."""

ALWAYS_SET = "always set"
"""Required or computed: the resource always has a value, so a value an input
omits is one not known yet (Checkov's plan conf leaves such values out)."""

DEFAULTED = "defaulted"
"""Optional with a provider default: when the configuration does not set it,
it is unset, even where a plan reports the provider's default as known only
after apply."""

FOR_MESSAGES = "for messages"
"""Only ever named in messages: the value as the input holds it (an unknown one
is not worth resolving through references); of a list, the items the input
can usefully name."""


# --------------------------------------------------------------------------
# what an adapter must answer
# --------------------------------------------------------------------------


class AttributeView(Protocol):
    """The attributes and nested blocks of one block (a resource, or a block inside one).

    Values come back as model values: a known Python value (lists as lists),
    None for "not set", or a :class:`Ref`/:class:`Template`/:class:`Unknown`
    when the input cannot tell the value.
    """

    def get(self, name: str, hint: str = PLAIN) -> Any:
        """The single value of attribute ``name``: known, None (unset), or symbolic."""

    def values(self, name: str, hint: str = PLAIN) -> Any:
        """Attribute ``name`` as a list of simple values: a tuple, ``()`` when unset,
        or one value standing for the whole list (an Unknown, a Ref, a lone string)."""

    def blocks(self, name: str) -> Sequence[AttributeView]:
        """The nested blocks ``name`` the input knows of, in order (none: ``[]``)."""

    def unknown(self, name: str = "", hint: str = PLAIN) -> Unknown | None:
        """The Unknown standing for attribute or block list ``name`` as a whole (with no
        name: for this block as a whole) when the input cannot tell it; else None."""


class ResourceView(AttributeView, Protocol):
    """A resource's attributes, plus what only a whole resource has."""

    location: Location | None
    """Where the resource is defined in the sources, when the input knows."""

    def self_ref(self, name: str) -> Any:
        """The resource's own identifying attribute (``arn``, ``repository_url``): its
        value when the input knows it, else ``Ref(address, name)``."""

    def containers(self, where: str) -> tuple[Container, ...] | Unknown:
        """``container_definitions`` parsed (``containers.parse_container_definitions``),
        with the input's sensitive values marked; ``where`` names it in an Unknown."""


def known_or_ref(value: Any, address: str, name: str) -> Any:
    """:meth:`ResourceView.self_ref` for inputs that may know the value: a string, else a Ref."""
    return value if isinstance(value, str) else Ref(address, name)


def strings(value: Any) -> tuple:
    """The known strings of a list (or of a lone value): what a ``FOR_MESSAGES`` list
    keeps in an input whose other values are not worth naming."""
    if isinstance(value, str):
        return (value,)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, (list, tuple)) else ()


# --------------------------------------------------------------------------
# the dispatch
# --------------------------------------------------------------------------


def add_resource(dep: Deployment, mode: str, rtype: str, address: str, view: ResourceView) -> None:
    """Add the model object(s) for one resource (``mode`` "managed") or data source
    (``mode`` "data") of type ``rtype`` to ``dep``; types the model has no object for
    add nothing."""
    if mode == "data":
        if resource_kind(rtype, "data") == "database":
            dep.databases.append(DatabaseResource(address, kind="data", type=rtype, location=view.location))
        return
    builder = _BUILDERS.get(rtype)
    if builder is not None:
        builder(dep, rtype, address, view)
    elif resource_kind(rtype) == "database":
        dep.databases.append(
            DatabaseResource(
                address, kind="resource", type=rtype, identifier=view.get("identifier", FOR_MESSAGES), location=view.location
            )
        )


def secret_env_values(task_definitions: Iterable[TaskDefinition], is_secret_name: Callable[[str], bool]) -> Iterator[str]:
    """The container env values never to print: those marked sensitive, and those of
    variables whose name looks secret."""
    for td in task_definitions:
        if isinstance(td.containers, tuple):
            for c in td.containers:
                if isinstance(c.environment, tuple):
                    for var in c.environment:
                        if isinstance(var.value, str) and (var.sensitive or is_secret_name(var.name)):
                            yield var.value


# --------------------------------------------------------------------------
# one builder per resource type
# --------------------------------------------------------------------------


def _task_definition(dep: Deployment, rtype: str, address: str, v: ResourceView) -> None:
    volumes = v.unknown("volume")
    dep.task_definitions.append(
        TaskDefinition(
            address,
            type=rtype,
            location=v.location,
            family=v.get("family", ALWAYS_SET),
            network_mode=v.get("network_mode", DEFAULTED),
            requires_compatibilities=v.values("requires_compatibilities", DEFAULTED),
            containers=v.containers(f"{address}.container_definitions"),
            volumes=volumes if volumes is not None else tuple(_volume(b) for b in v.blocks("volume")),
            arn=v.self_ref("arn"),
        )
    )


def _volume(b: AttributeView) -> Volume:
    efs = _first_block(b, "efs_volume_configuration")
    docker = _first_block(b, "docker_volume_configuration")
    return Volume(
        name=b.get("name"),
        host_path=_unset_if_empty(b.get("host_path")),
        efs=EfsVolumeConfig(
            file_system_id=efs.get("file_system_id", ALWAYS_SET),
            root_directory=efs.get("root_directory"),
            transit_encryption=efs.get("transit_encryption"),
        )
        if efs is not None
        else None,
        docker=DockerVolumeConfig(scope=docker.get("scope"), autoprovision=docker.get("autoprovision"), driver=docker.get("driver"))
        if docker is not None
        else None,
        configure_at_launch=b.get("configure_at_launch"),
    )


def _service(dep: Deployment, rtype: str, address: str, v: ResourceView) -> None:
    lbs = v.unknown("load_balancer")
    if lbs is None:
        lbs = tuple(
            LoadBalancerAttachment(
                target_group=b.get("target_group_arn", ALWAYS_SET),
                container_name=b.get("container_name"),
                container_port=b.get("container_port"),
            )
            for b in v.blocks("load_balancer")
        )
    dep.services.append(
        Service(
            address,
            type=rtype,
            location=v.location,
            name=v.get("name", ALWAYS_SET),
            task_definition=v.get("task_definition", ALWAYS_SET),
            desired_count=v.get("desired_count", ALWAYS_SET),
            deployment_maximum_percent=v.get("deployment_maximum_percent", DEFAULTED),
            deployment_minimum_healthy_percent=v.get("deployment_minimum_healthy_percent", DEFAULTED),
            launch_type=v.get("launch_type", DEFAULTED),
            capacity_providers=tuple(b.get("capacity_provider") for b in v.blocks("capacity_provider_strategy")),
            load_balancers=lbs,
            name_ref=Ref(address, "name"),
            cluster=v.get("cluster", DEFAULTED),
        )
    )


def _target_group(dep: Deployment, rtype: str, address: str, v: ResourceView) -> None:
    dep.target_groups.append(
        TargetGroup(
            address,
            type=rtype,
            location=v.location,
            name=v.get("name", ALWAYS_SET),
            arn=v.self_ref("arn"),
            port=v.get("port"),
            protocol=v.get("protocol"),
            target_type=v.get("target_type", DEFAULTED),
        )
    )


def _listener_rule(dep: Deployment, rtype: str, address: str, v: ResourceView) -> None:
    dep.listener_rules.append(
        ListenerRule(
            address,
            type=rtype,
            location=v.location,
            listener=v.get("listener_arn"),
            priority=v.get("priority"),
            conditions=tuple(_condition(c) for c in v.blocks("condition")),
            actions=tuple(_action(a) for a in v.blocks("action")),
        )
    )


def _condition(c: AttributeView) -> RuleCondition:
    unknown = c.unknown()
    if unknown is not None:
        return RuleCondition(path_patterns=unknown, host_headers=unknown)
    paths: Any = ()
    hosts: Any = ()
    field = c.get("field")  # provider < 2.42: field = "path-pattern", values = [...]
    if field == "path-pattern":
        paths = c.values("values")
    elif field == "host-header":
        hosts = c.values("values")
    for block in c.blocks("path_pattern"):
        paths = _as_tuple(paths) + _items(block.values("values"))
    for block in c.blocks("host_header"):
        hosts = _as_tuple(hosts) + _items(block.values("values"))
    return RuleCondition(path_patterns=paths, host_headers=hosts)


def _action(a: AttributeView) -> RuleAction:
    targets: list = []
    tg = a.get("target_group_arn")
    if tg is not None and tg != "":
        targets.append(tg)
    for forward in a.blocks("forward"):
        targets.extend(t.get("arn") for t in forward.blocks("target_group"))
    return RuleAction(type=a.get("type"), target_groups=tuple(targets))


def _security_group(dep: Deployment, rtype: str, address: str, v: ResourceView) -> None:
    for i, block in enumerate(v.blocks("ingress")):
        dep.ingress_rules.append(_ingress(f"{address}.ingress[{i}]", rtype, block, v.location))
    unknown = v.unknown("ingress", ALWAYS_SET)
    if unknown is not None:
        dep.ingress_rules.append(
            IngressRule(f"{address}.ingress", type=rtype, location=v.location, from_port=unknown, to_port=unknown, protocol=None)
        )


def _security_group_rule(dep: Deployment, rtype: str, address: str, v: ResourceView) -> None:
    kind = v.get("type")
    if kind == "ingress" or is_symbolic(kind):  # an undecided type may be ingress
        dep.ingress_rules.append(_ingress(address, rtype, v, v.location))


_INGRESS_SOURCES = ("cidr_blocks", "ipv6_cidr_blocks", "security_groups", "source_security_group_id", "prefix_list_ids")


def _ingress(address: str, rtype: str, b: AttributeView, location: Location | None) -> IngressRule:
    """An ``ingress`` block of a security group, or an ingress ``aws_security_group_rule``."""
    sources = _sources(b, _INGRESS_SOURCES)
    if b.get("self", FOR_MESSAGES) is True:
        sources.append("self")
    return IngressRule(
        address,
        type=rtype,
        location=location,
        from_port=b.get("from_port", ALWAYS_SET),
        to_port=b.get("to_port", ALWAYS_SET),
        protocol=b.get("protocol", ALWAYS_SET),
        sources=tuple(sources),
    )


_VPC_INGRESS_SOURCES = ("cidr_ipv4", "cidr_ipv6", "referenced_security_group_id", "prefix_list_id")


def _vpc_ingress_rule(dep: Deployment, rtype: str, address: str, v: ResourceView) -> None:
    dep.ingress_rules.append(
        IngressRule(
            address,
            type=rtype,
            location=v.location,
            from_port=v.get("from_port"),
            to_port=v.get("to_port"),
            protocol=v.get("ip_protocol", ALWAYS_SET),
            sources=tuple(_sources(v, _VPC_INGRESS_SOURCES)),
        )
    )


def _ecr_repository(dep: Deployment, rtype: str, address: str, v: ResourceView) -> None:
    dep.ecr_repositories.append(
        EcrRepository(
            address, type=rtype, location=v.location, name=v.get("name", ALWAYS_SET), repository_url=v.self_ref("repository_url")
        )
    )


def _secret(dep: Deployment, rtype: str, address: str, v: ResourceView) -> None:
    dep.secrets.append(Secret(address, type=rtype, location=v.location, name=v.get("name", ALWAYS_SET), arn=v.self_ref("arn")))


def _autoscaling_target(dep: Deployment, rtype: str, address: str, v: ResourceView) -> None:
    namespace = v.get("service_namespace")
    if namespace is not None and namespace != "ecs" and not is_symbolic(namespace):
        return  # another service's target (DynamoDB, ...)
    dep.autoscaling_targets.append(
        AutoscalingTarget(
            address,
            type=rtype,
            location=v.location,
            resource_id=v.get("resource_id", ALWAYS_SET),
            min_capacity=v.get("min_capacity"),
            max_capacity=v.get("max_capacity"),
            scalable_dimension=v.get("scalable_dimension"),
        )
    )


_BUILDERS: dict[str, Callable[[Deployment, str, str, ResourceView], None]] = {
    "aws_ecs_task_definition": _task_definition,
    "aws_ecs_service": _service,
    "aws_lb_target_group": _target_group,
    "aws_alb_target_group": _target_group,
    "aws_lb_listener_rule": _listener_rule,
    "aws_alb_listener_rule": _listener_rule,
    "aws_security_group": _security_group,
    "aws_security_group_rule": _security_group_rule,
    "aws_vpc_security_group_ingress_rule": _vpc_ingress_rule,
    "aws_ecr_repository": _ecr_repository,
    "aws_secretsmanager_secret": _secret,
    "aws_ssm_parameter": _secret,
    "aws_appautoscaling_target": _autoscaling_target,
}

# --------------------------------------------------------------------------
# small value helpers
# --------------------------------------------------------------------------


def _first_block(b: AttributeView, name: str) -> AttributeView | None:
    found = b.blocks(name)
    return found[0] if found else None


def _unset_if_empty(value: Any) -> Any:
    """``""`` means not set (the provider's view of an empty optional string)."""
    return None if isinstance(value, str) and not value else value


def _as_tuple(value: Any) -> tuple:
    return value if isinstance(value, tuple) else ()


def _items(value: Any) -> tuple:
    """A :meth:`AttributeView.values` result as items: a value standing for the list is one item."""
    return value if isinstance(value, tuple) else (value,)


def _sources(b: AttributeView, keys: tuple[str, ...]) -> list:
    """What an ingress admits from, for messages: every source the input names."""
    return [s for key in keys for s in _items(b.values(key, FOR_MESSAGES)) if s is not None]
