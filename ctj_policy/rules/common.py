"""Shared, pure helpers for the CTJ rules.  Standard library only.

Everything a rule needs to *find* things in the model (the CTJ task, its
service, the container playing each role, the target groups, a variable's
effective source) and to *talk* about them (messages that never show a
secret value) lives here once, so each rule module stays a short statement of
its SPEC row.

Three-valued answers: helpers return ``True``/``False`` when the model decides
the question and ``None`` (or an :class:`~ctj_policy.model.Unknown`) when it
does not; rules turn the latter into ``unknown`` findings.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from ..config import Config
from ..model import (
    FAIL,
    KNOWN_AFTER_APPLY,
    PASS,
    UNKNOWN,
    UNRESOLVED,
    Container,
    Deployment,
    EcrRepository,
    EnvVar,
    Finding,
    Location,
    MountPoint,
    Ref,
    Resource,
    SecretVar,
    Service,
    TargetGroup,
    TaskDefinition,
    Template,
    Unknown,
    Volume,
    is_known,
    is_symbolic,
    ref_matches,
    same_value,
    strip_index,
)

FRONTEND = "frontend"
BACKEND = "backend"
DATABASE = "database"
ROLES = (FRONTEND, BACKEND, DATABASE)

SOURCE_DIR_HINT = "re-run with --source-dir terraform/ to evaluate it from the sources"
NO_TASK = "no CTJ task definition in scope (see CTJ001)"

# --------------------------------------------------------------------------
# findings and messages
# --------------------------------------------------------------------------


def finding(status: str, message: str, thing: Any = None, *, address: str | None = None) -> Finding:
    """A Finding about ``thing`` (a Resource or a Container); ``address`` overrides."""
    loc: Location | None = getattr(thing, "location", None) if thing is not None else None
    if address is None and isinstance(thing, Resource):
        address = thing.address
    return Finding(status=status, message=message, address=address, location=loc)


def passed(message: str, thing: Any = None, *, address: str | None = None) -> Finding:
    return finding(PASS, message, thing, address=address)


def failed(message: str, thing: Any = None, *, address: str | None = None) -> Finding:
    return finding(FAIL, message, thing, address=address)


def undecided(message: str, thing: Any = None, *, address: str | None = None) -> Finding:
    return finding(UNKNOWN, message, thing, address=address)


def explain_unknown(value: Any) -> str:
    """What is not known about ``value`` and, when it helps, how to supply it."""
    if isinstance(value, Unknown):
        text = value.describe()
        if value.reason == KNOWN_AFTER_APPLY and "--source-dir" not in value.detail:
            text += f"; {SOURCE_DIR_HINT}"
        return text
    if isinstance(value, Template):
        for part in value.parts:
            if isinstance(part, Unknown):
                return explain_unknown(part)
        return f"{value.describe()} is known only after apply"
    if isinstance(value, Ref):
        return f"{value.describe()} is known only after apply"
    return "value is not known"


def name_of(value: Any) -> str:
    """A name for messages: the string itself, or a description of the unknown."""
    if isinstance(value, str):
        return value
    if isinstance(value, Template):
        return value.describe()
    if isinstance(value, (Unknown, Ref)):
        return "${" + value.describe() + "}"
    return str(value)


def cname(container: Container) -> str:
    return f"'{name_of(container.name)}'"


def show(value: Any) -> str:
    """A non-secret value for messages (images, ports, paths, priorities)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Template):
        return repr(value.describe())
    if isinstance(value, (Unknown, Ref)):
        return "${" + value.describe() + "}"
    return repr(value)


def show_var(var: EnvVar | SecretVar | None, config: Config) -> str:
    """A variable's value for messages, unless it is or may be a secret."""
    if var is None:
        return "(unset)"
    if isinstance(var, SecretVar):
        return "(from secrets)"
    if var.sensitive or config.is_secret_name(var.name):
        return "(value hidden)"
    return show(var.value)


def plural(n: int, word: str, suffix: str = "s") -> str:
    return f"{n} {word}{'' if n == 1 else suffix}"


def finish(findings: list[Finding], pass_message: str, thing: Any = None, *, address: str | None = None) -> Iterator[Finding]:
    """Yield the fails/unknowns collected by a rule, or one pass when there are none."""
    if findings:
        yield from findings
    else:
        yield passed(pass_message, thing, address=address)


# --------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------


def as_int(value: Any) -> int | None:
    """5432, "5432", 5432.0 -> 5432; anything else (incl. unknowns) -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = value.strip().lstrip("+-") if isinstance(value, str) else ""
    if text.isdigit() and text.isascii() and len(text) < 100:  # ASCII digits only: "²".isdigit() too
        return int(value.strip())
    return None


def items(value: Any) -> tuple:
    """A model collection as a tuple (an Unknown must be checked before calling)."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return ()


def lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


# --------------------------------------------------------------------------
# images
# --------------------------------------------------------------------------

_DOCKER_HUB = ("docker.io", "index.docker.io", "registry-1.docker.io")
_ECR_HOST = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")


@dataclass(frozen=True)
class ImageRef:
    """A container image reference, parsed as far as the model allows.

    ``repository`` is the normalized path (Docker Hub official images get
    ``library/``); ``None`` when it cannot be decided.  ``tag``/``digest``
    are strings, ``None`` when absent, or an Unknown when not known.
    ``ecr`` is the EcrRepository in the model the image was built from a
    reference to, when it was.
    """

    raw: Any
    registry: str | None = None
    repository: str | None = None
    tag: Any = None
    digest: Any = None
    ecr: EcrRepository | None = None
    missing: Any = None  # the Unknown/Ref/Template that kept the repository undecided

    @property
    def decided(self) -> bool:
        return self.repository is not None

    @property
    def is_ecr(self) -> bool:
        return self.ecr is not None or bool(self.registry and _ECR_HOST.match(self.registry))


def _split_reference(text: str) -> tuple[str | None, str, str | None, str | None]:
    """``registry/path:tag@digest`` -> (registry, path, tag, digest)."""
    digest = None
    if "@" in text:
        text, digest = text.split("@", 1)
    tag = None
    slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > slash:
        text, tag = text[:colon], text[colon + 1 :]
    registry = None
    first, sep, rest = text.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, text = first, rest
    return registry, text, tag, digest


def normalize_repository(registry: str | None, path: str) -> tuple[str | None, str]:
    """Docker Hub: ``postgres`` == ``library/postgres`` == ``docker.io/library/postgres``."""
    if registry in _DOCKER_HUB:
        registry = None
    if registry is None and "/" not in path:
        path = "library/" + path
    return registry, path


def parse_image(image: Any, deployment: Deployment | None = None) -> ImageRef:
    """Parse an image value: a known string, or a Template/Ref from an ECR repo."""
    if isinstance(image, str):
        registry, path, tag, digest = _split_reference(image.strip())
        registry, path = normalize_repository(registry, path)
        return ImageRef(raw=image, registry=registry, repository=path or None, tag=tag, digest=digest)
    if isinstance(image, Ref):
        repo = _ecr_repo_for_ref(image, deployment)
        if repo is not None and isinstance(repo.name, str):
            return ImageRef(raw=image, registry="ecr", repository=repo.name, ecr=repo)
        return ImageRef(raw=image, missing=image)
    if isinstance(image, Template):
        parts = image.parts
        if parts and all(isinstance(p, str) for p in parts):
            return parse_image("".join(parts), deployment)
        head = parts[0] if parts else None
        if isinstance(head, Ref):
            repo = _ecr_repo_for_ref(head, deployment)
            if repo is not None and isinstance(repo.name, str):
                tag, digest = _tail_tag(parts[1:])
                return ImageRef(raw=image, registry="ecr", repository=repo.name, tag=tag, digest=digest, ecr=repo)
            return ImageRef(raw=image, missing=head)
        if isinstance(head, str):
            # literal repository text followed by an unknown tag: "postgres:${var.v}"
            slash = head.rfind("/")
            colon = head.rfind(":")
            at = head.find("@")
            if colon > slash or at >= 0:
                cut = at if at >= 0 else colon
                registry, path, _, _ = _split_reference(head[:cut])
                registry, path = normalize_repository(registry, path)
                tag: Any = None
                digest: Any = None
                rest = next((p for p in parts[1:] if not isinstance(p, str)), None)
                if at >= 0:
                    digest = rest
                    if colon > slash and colon < at:
                        tag = head[colon + 1 : at]
                else:
                    tag = rest
                return ImageRef(raw=image, registry=registry, repository=path, tag=tag, digest=digest)
        first = next((p for p in parts if not isinstance(p, str)), None)
        return ImageRef(raw=image, missing=first)
    return ImageRef(raw=image, missing=image if isinstance(image, Unknown) else Unknown(UNRESOLVED, "image"))


def _tail_tag(parts: Iterable) -> tuple[Any, Any]:
    """The ``:tag``/``@digest`` after an ECR repository_url reference."""
    parts = tuple(parts)
    if not parts:
        return None, None
    if not all(isinstance(p, str) for p in parts):
        first = next(p for p in parts if not isinstance(p, str))
        return first, None
    text = "".join(parts)
    digest = None
    if "@" in text:
        text, digest = text.split("@", 1)
    tag = text[1:] if text.startswith(":") else None
    return tag, digest


def _ecr_repo_for_ref(ref: Ref, deployment: Deployment | None) -> EcrRepository | None:
    if deployment is None:
        return None
    for repo in deployment.ecr_repositories:
        if ref_matches(ref, repo.address) and ref.attribute in ("repository_url", ""):
            return repo
        if isinstance(repo.repository_url, Ref) and ref_matches(ref, repo.repository_url.address, repo.repository_url.attribute):
            return repo
    return None


def is_official_postgres(img: ImageRef, config: Config) -> bool:
    if not img.decided:
        return False
    for name in config.postgres_images:
        registry, path, _, _ = _split_reference(name)
        if normalize_repository(registry, path) == (img.registry, img.repository):
            return True
    return False


def repository_name(img: ImageRef) -> str | None:
    """The repository name as ECR would call it (path within the registry)."""
    if not img.decided:
        return None
    return img.repository


def image_is_from(img: ImageRef, repo_name: str) -> bool:
    """Is the image from a repository called ``repo_name`` (any registry)?"""
    return img.decided and img.repository == repo_name


def tag_major(tag: Any) -> int | None:
    """``18`` / ``18.1`` / ``18.1-bookworm`` / ``18-alpine`` -> 18; else None."""
    if not isinstance(tag, str):
        return None
    m = re.match(r"^(\d+)(?:\.\d+){0,2}(?:-[A-Za-z0-9][A-Za-z0-9._-]*)?$", tag)
    return int(m.group(1)) if m else None


# --------------------------------------------------------------------------
# roles, the CTJ task and service
# --------------------------------------------------------------------------


def _name_role(name: Any, config: Config) -> str | None:
    if not isinstance(name, str):
        return None
    n = name.lower()
    for role, names in ((FRONTEND, config.frontend_names), (BACKEND, config.backend_names), (DATABASE, config.database_names)):
        if n in (x.lower() for x in names):
            return role
    return None


def container_role(container: Container, deployment: Deployment, config: Config) -> str | None | Unknown:
    """SPEC section 3: the image decides; when it does not, the container name.

    Returns a role, None (no recognizable role) or an Unknown (the image is
    not known and the name does not tell).
    """
    img = parse_image(container.image, deployment)
    if img.decided:
        if is_official_postgres(img, config):
            return DATABASE
        if image_is_from(img, config.backend_repository):
            return BACKEND
        if image_is_from(img, config.frontend_repository):
            return FRONTEND
    by_name = _name_role(container.name, config)
    if by_name is not None:
        return by_name
    if not img.decided:
        missing = img.missing if img.missing is not None else container.image
        if isinstance(missing, Unknown):
            return missing
        return Unknown(UNRESOLVED, f"image of container '{name_of(container.name)}'", f"{name_of(missing)} does not name an ECR repository in scope")
    return None


def roles_of(task: TaskDefinition, deployment: Deployment, config: Config) -> list[tuple[Container, Any]]:
    return [(c, container_role(c, deployment, config)) for c in items(task.containers)]


def ctj_task(deployment: Deployment, config: Config) -> TaskDefinition | None:
    """The CTJ task: the only task definition in scope, or, when there are
    several (CTJ001 fails), the one with the most recognized roles (ties:
    address order)."""
    tasks = deployment.task_definitions
    if not tasks:
        return None
    if len(tasks) == 1:
        return tasks[0]

    def score(task: TaskDefinition) -> int:
        if not isinstance(task.containers, tuple):
            return 0
        found = {r for _, r in roles_of(task, deployment, config) if isinstance(r, str)}
        return len(found)

    return sorted(tasks, key=lambda t: (-score(t), t.address))[0]


def role_container(task: TaskDefinition, role: str, deployment: Deployment, config: Config) -> Container | None | Unknown:
    """The first container with ``role``; an Unknown when none is certain but
    some container's role (or the container list) is unknown."""
    if isinstance(task.containers, Unknown) or not isinstance(task.containers, tuple):
        return task.containers if isinstance(task.containers, Unknown) else Unknown(UNRESOLVED, f"container_definitions of {task.address}")
    undecided_role: Unknown | None = None
    for c, r in roles_of(task, deployment, config):
        if r == role:
            return c
        if isinstance(r, Unknown) and undecided_role is None:
            undecided_role = r
    return undecided_role


def containers_unknown(task: TaskDefinition) -> Unknown | None:
    if isinstance(task.containers, tuple):
        return None
    if isinstance(task.containers, Unknown):
        return task.containers
    return Unknown(UNRESOLVED, f"container_definitions of {task.address}")


def unknown_containers_message(task: TaskDefinition, what: str) -> str:
    return f"cannot check {what}: {explain_unknown(containers_unknown(task))}"


@dataclass
class Scope:
    """What most container rules need: the task and one role's container.

    Exactly one of ``container`` / ``finding`` is set: the container, or the
    finding to report when it cannot be had (no task: fail; containers or
    role unknown: unknown; no such container: fail).
    """

    task: TaskDefinition | None
    container: Container | None
    finding: Finding | None


def role_scope(deployment: Deployment, config: Config, role: str, purpose: str, *, missing_status: str = FAIL) -> Scope:
    task = ctj_task(deployment, config)
    if task is None:
        return Scope(None, None, finding(missing_status, f"{NO_TASK}: {purpose}"))
    unknown = containers_unknown(task)
    if unknown is not None:
        return Scope(task, None, undecided(f"cannot check the {role} container of {task.address}: {explain_unknown(unknown)}", task))
    c = role_container(task, role, deployment, config)
    if isinstance(c, Unknown):
        return Scope(task, None, undecided(f"cannot tell which container of {task.address} is the {role}: {explain_unknown(c)}", task))
    if c is None:
        return Scope(task, None, finding(missing_status, f"task {task.address} has no {role} container: {purpose}", task))
    return Scope(task, c, None)


def container_finding(status: str, message: str, task: TaskDefinition, container: Container) -> Finding:
    """A finding about a container: the task's address, the container's location."""
    return Finding(status=status, message=message, address=task.address, location=container.location or task.location)


def runs_task(service: Service, task: TaskDefinition) -> bool | None:
    """Does ``service.task_definition`` point at ``task``?  A Ref decides."""
    value = service.task_definition
    if isinstance(value, Unknown):
        return None
    if isinstance(value, Ref):
        return ref_matches(value, task.address)
    if isinstance(value, Template):
        refs = [p for p in value.parts if isinstance(p, Ref)]
        if any(ref_matches(r, task.address) for r in refs):
            return True
        if refs and all(isinstance(p, (str, Ref)) for p in value.parts):
            return None if any("aws_ecs_task_definition" not in r.address for r in refs) else False
        return None
    if not isinstance(value, str):
        return False if value is None else None
    candidates = [value]
    if ":task-definition/" in value:
        candidates.append(value.split(":task-definition/", 1)[1])
    for text in candidates:
        if isinstance(task.arn, str) and text == task.arn:
            return True
        if isinstance(task.family, str) and (text == task.family or text.startswith(task.family + ":")):
            return True
    if not is_known(task.family):
        return None
    return False


def services_for(deployment: Deployment, task: TaskDefinition | None) -> tuple[list[Service], list[Service]]:
    """(services that run the task, services that might)."""
    if task is None:
        return [], []
    yes, maybe = [], []
    for s in deployment.services:
        r = runs_task(s, task)
        if r is True:
            yes.append(s)
        elif r is None:
            maybe.append(s)
    return yes, maybe


def ctj_service(deployment: Deployment, config: Config, task: TaskDefinition | None = None) -> Service | None | Unknown:
    """The service running the CTJ task (the first, if several); an Unknown
    when only services whose task_definition is undecided remain."""
    task = task if task is not None else ctj_task(deployment, config)
    if task is None:
        return None
    yes, maybe = services_for(deployment, task)
    if yes:
        return yes[0]
    if maybe:
        return Unknown(UNRESOLVED, f"task_definition of {maybe[0].address}", "cannot tell whether it runs " + task.address)
    return None


# --------------------------------------------------------------------------
# environment
# --------------------------------------------------------------------------


def lookup(container: Container, name: str) -> EnvVar | SecretVar | None | Unknown:
    """Where ``name`` comes from in a container: its ``secrets`` entry (ECS
    gives secrets precedence), else its ``environment`` entry, else None;
    an Unknown when either list is unknown and the other does not have it."""
    unknown: Unknown | None = None
    if isinstance(container.secrets, tuple):
        s = container.secret(name)
        if s is not None:
            return s
    else:
        unknown = container.secrets if isinstance(container.secrets, Unknown) else Unknown(UNRESOLVED, "secrets")
    if isinstance(container.environment, tuple):
        e = container.env(name)
        if e is not None:
            return e
    else:
        unknown = container.environment if isinstance(container.environment, Unknown) else Unknown(UNRESOLVED, "environment")
    return unknown


def plain_value(container: Container, name: str, who: str, fix: str) -> tuple[str, str] | EnvVar:
    """The plaintext ``environment`` entry ``name`` of ``container``, to compare with a literal.

    When there is none to compare, a (status, message) pair says why: the
    variable is missing (fail, ``fix`` says what to set), or it comes from a
    secret or is not known at plan time (unknown).  ``who`` names the
    container in messages (e.g. "backend 'django'").
    """
    var = lookup(container, name)
    if isinstance(var, Unknown):
        return UNKNOWN, f"cannot read {name} of {who}: {explain_unknown(var)}"
    if var is None:
        return FAIL, f"{who} does not set {name}; {fix}"
    if isinstance(var, SecretVar):
        return UNKNOWN, f"{name} of {who} comes from secret {describe_value_from(var.value_from)}, so its value cannot be checked; {fix} in environment"
    if is_symbolic(var.value):
        return UNKNOWN, f"{name} of {who} is not known: {explain_unknown(var.value)}"
    return var


def in_environment(container: Container, name: str) -> EnvVar | None:
    return container.env(name) if isinstance(container.environment, tuple) else None


@dataclass(frozen=True)
class SecretKey:
    """A ``valueFrom`` split into the secret it names and the part of it used."""

    secret: Any  # arn/name string | Ref | Template | Unknown
    json_key: str = ""
    version_stage: str = ""
    version_id: str = ""


def _split_sm_tail(tail: str) -> tuple[str, str, str]:
    fields = tail.split(":")
    fields += [""] * (3 - len(fields))
    return fields[0], fields[1], fields[2]


def secret_key(value_from: Any) -> SecretKey:
    """Secrets Manager ``arn:...:secret:name-AbCdEf:json-key:stage:id`` (trailing
    colons optional), a Template ``${...arn}:json-key::`` or a plain Ref/ARN."""
    if isinstance(value_from, str):
        parts = value_from.split(":")
        if value_from.startswith("arn:") and len(parts) >= 7 and parts[2] == "secretsmanager" and parts[5] == "secret":
            key, stage, vid = _split_sm_tail(":".join(parts[7:]))
            return SecretKey(":".join(parts[:7]), key, stage, vid)
        return SecretKey(value_from)
    if isinstance(value_from, Template):
        p = value_from.parts
        if len(p) >= 1 and not isinstance(p[0], str) and all(isinstance(x, str) for x in p[1:]):
            tail = "".join(p[1:])
            if tail == "" or tail.startswith(":"):
                key, stage, vid = _split_sm_tail(tail[1:])
                return SecretKey(p[0], key, stage, vid)
        return SecretKey(value_from)
    return SecretKey(value_from)


def _secret_resource(deployment: Deployment, secret: Any) -> Any:
    """Map a literal ARN or a Ref onto a Secret in the model when possible."""
    if isinstance(secret, Ref):
        for s in deployment.secrets:
            if ref_matches(secret, s.address):
                return s
        return secret
    if isinstance(secret, str):
        for s in deployment.secrets:
            if isinstance(s.arn, str) and s.arn == secret:
                return s
            if isinstance(s.name, str) and s.name == secret:
                return s
    return secret


def same_secret(deployment: Deployment, a: Any, b: Any) -> bool | None:
    """Do two valueFrom values name the same secret (ignoring the JSON key)?"""
    ka, kb = secret_key(a), secret_key(b)
    ra, rb = _secret_resource(deployment, ka.secret), _secret_resource(deployment, kb.secret)
    if isinstance(ra, Resource) and isinstance(rb, Resource):
        return ra is rb
    if isinstance(ra, Resource) or isinstance(rb, Resource):
        other = rb if isinstance(ra, Resource) else ra
        own = ra if isinstance(ra, Resource) else rb
        if isinstance(other, str):
            # a literal that is not this secret's (known) arn/name
            return False if is_known(getattr(own, "arn", None)) else None
        return None
    return same_value(ka.secret, kb.secret)


def same_secret_value(deployment: Deployment, a: Any, b: Any) -> bool | None:
    """Same secret AND the same JSON key / version: the same string at runtime."""
    same = same_secret(deployment, a, b)
    if same is not True:
        return same
    ka, kb = secret_key(a), secret_key(b)
    if (ka.json_key, ka.version_stage, ka.version_id) == (kb.json_key, kb.version_stage, kb.version_id):
        if isinstance(a, Template) and not isinstance(ka.secret, (Ref, str)):
            return same_value(a, b)
        return True
    return False


def describe_value_from(value_from: Any) -> str:
    k = secret_key(value_from)
    text = name_of(k.secret) if not isinstance(k.secret, Ref) else "${" + k.secret.describe() + "}"
    if k.json_key:
        text += f" key '{k.json_key}'"
    return text


# --------------------------------------------------------------------------
# volumes and paths
# --------------------------------------------------------------------------


def norm_path(path: str) -> str:
    p = posixpath.normpath(path)
    return "/" if p in ("//", "/") else p


def path_within(path: str, base: str) -> bool:
    """Is ``path`` equal to or below ``base``?"""
    p, b = norm_path(path), norm_path(base)
    return p == b or p.startswith(b.rstrip("/") + "/")


def launch_type(task: TaskDefinition, service: Any) -> str | None | Unknown:
    """"EC2", "FARGATE", "EXTERNAL", None (not stated) or an Unknown.

    The service's launch_type decides when set; then its capacity providers
    (FARGATE/FARGATE_SPOT); then the task's requires_compatibilities (EC2
    wins when listed, as the task can then run on EC2).
    """
    if isinstance(service, Service):
        lt = service.launch_type
        if isinstance(lt, str) and lt:
            return lt.upper()
        if is_symbolic(lt):
            return lt if isinstance(lt, Unknown) else Unknown(UNRESOLVED, f"launch_type of {service.address}")
        cps = service.capacity_providers
        if isinstance(cps, tuple) and cps:
            names = [c.upper() for c in cps if isinstance(c, str)]
            if names and all(n.startswith("FARGATE") for n in names):
                return "FARGATE"
    comp = task.requires_compatibilities
    if isinstance(comp, Unknown):
        return comp
    names = [c.upper() for c in items(comp) if isinstance(c, str)]
    if "EC2" in names:
        return "EC2"
    if "FARGATE" in names:
        return "FARGATE"
    if "EXTERNAL" in names:
        return "EXTERNAL"
    return None


def volume_persistence(volume: Volume, launch: Any) -> tuple[bool | None, str]:
    """Does the volume outlive the task?  (verdict, reason for messages)."""
    name = name_of(volume.name)
    if volume.efs is not None:
        return True, f"volume '{name}' is EFS"
    if volume.configure_at_launch is True:
        return False, f"volume '{name}' is configured at launch (an ECS-managed EBS volume is deleted with its task)"
    host = volume.host_path is not None
    shared = volume.docker is not None and volume.docker.scope == "shared"
    if volume.docker is not None and is_symbolic(volume.docker.scope):
        return None, f"docker scope of volume '{name}' is not known: {explain_unknown(volume.docker.scope)}"
    if host or shared:
        kind = "host_path" if host else "docker volume with scope 'shared'"
        if isinstance(launch, Unknown):
            return None, f"volume '{name}' is a {kind}, persistent only on EC2, and the launch type is not known: {explain_unknown(launch)}"
        if launch == "EC2":
            return True, f"volume '{name}' is a {kind} on EC2"
        if launch is None:
            return None, f"volume '{name}' is a {kind}, persistent only on EC2, and neither requires_compatibilities nor the service's launch_type says EC2; set requires_compatibilities = [\"EC2\"]"
        return False, f"volume '{name}' is a {kind}, which does not persist on {launch}"
    if volume.docker is not None:
        return False, f"volume '{name}' is a docker volume with scope '{name_of(volume.docker.scope or 'task')}' (removed with the task)"
    where = f" on {launch}" if isinstance(launch, str) else ""
    return False, f"volume '{name}' is a bind mount without host_path{where} (ephemeral task storage)"


@dataclass(frozen=True)
class MountInfo:
    mount: MountPoint
    volume: Volume | None
    persistent: bool | None
    reason: str


def mounts_of(task: TaskDefinition, container: Container, launch: Any) -> list[MountInfo] | Unknown:
    """Every mount of ``container``, with whether it is persistent and writable."""
    if isinstance(container.mount_points, Unknown):
        return container.mount_points
    if isinstance(task.volumes, Unknown) and items(container.mount_points):
        return task.volumes
    out = []
    for m in items(container.mount_points):
        path = name_of(m.container_path)
        if isinstance(m.read_only, (Unknown, Ref, Template)):
            out.append(MountInfo(m, None, None, f"readOnly of the mount at {path} is not known: {explain_unknown(m.read_only)}"))
            continue
        if m.read_only is True:
            out.append(MountInfo(m, None, False, f"the mount at {path} is readOnly"))
            continue
        vol = task.volume_named(m.source_volume)
        if vol is None:
            if is_symbolic(m.source_volume):
                out.append(MountInfo(m, None, None, f"sourceVolume of the mount at {path} is not known: {explain_unknown(m.source_volume)}"))
            else:
                out.append(MountInfo(m, None, False, f"the mount at {path} names volume '{name_of(m.source_volume)}', which the task does not declare"))
            continue
        verdict, reason = volume_persistence(vol, launch)
        out.append(MountInfo(m, vol, verdict, reason))
    return out


# --------------------------------------------------------------------------
# network: ports, target groups, listener rules
# --------------------------------------------------------------------------

ALL_PROTOCOLS = ("-1", "all")
TCP = ("tcp", "6")


def admits_port(protocol: Any, from_port: Any, to_port: Any, port: int) -> bool | None:
    """Does an ingress permission admit TCP ``port``?  None when undecidable."""
    proto = str(protocol).lower() if isinstance(protocol, (str, int)) and not isinstance(protocol, bool) else protocol
    if is_symbolic(proto):
        return None
    if proto in ALL_PROTOCOLS:
        return True
    if proto is not None and proto not in TCP:
        return False
    lo, hi = from_port, to_port
    if is_symbolic(lo) or is_symbolic(hi):
        return None
    lo_i, hi_i = as_int(lo), as_int(hi)
    if lo_i is None and hi_i is None:
        return False  # TCP/unset protocol with no ports admits nothing
    if lo_i is None:
        lo_i = hi_i
    if hi_i is None:
        hi_i = lo_i
    if lo_i in (-1,) and hi_i in (-1,):
        return True
    return lo_i <= port <= hi_i  # type: ignore[operator]


def container_ports(container: Container) -> set[int] | Unknown:
    if isinstance(container.port_mappings, Unknown):
        return container.port_mappings
    out = set()
    for pm in items(container.port_mappings):
        p = as_int(pm.container_port)
        if p is not None:
            out.add(p)
        elif is_symbolic(pm.container_port):
            return pm.container_port if isinstance(pm.container_port, Unknown) else Unknown(UNRESOLVED, f"containerPort of '{name_of(container.name)}'")
    return out


def resolve_target_group(deployment: Deployment, value: Any) -> TargetGroup | None | Unknown:
    """Which target group in scope does an arn/Ref point at?"""
    found = deployment.resolve(value, deployment.target_groups, ("arn", "id"))
    if found is None and isinstance(value, Ref) and "target_group" not in value.address:
        return Unknown(UNRESOLVED, value.describe(), "does not name a target group in scope")
    if found is None and isinstance(value, Template):
        return Unknown(UNRESOLVED, value.describe())
    return found  # type: ignore[return-value]


def _tokens(name: Any) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", name.lower())) if isinstance(name, str) else set()


def role_target_group(deployment: Deployment, config: Config, role: str) -> TargetGroup | None | Unknown:
    """The backend/frontend target group: the one the CTJ service attaches
    that role's container to; failing that, the only TG named (a token of its
    name or address) or ported for that role."""
    task = ctj_task(deployment, config)
    service = ctj_service(deployment, config, task)
    if task is not None and isinstance(service, Service) and isinstance(service.load_balancers, tuple):
        c = role_container(task, role, deployment, config)
        if isinstance(c, Container):
            for lb in service.load_balancers:
                if same_value(lb.container_name, c.name) is True:
                    return resolve_target_group(deployment, lb.target_group)
    names = set(config.backend_names if role == BACKEND else config.frontend_names) | {role}
    port = config.backend_port if role == BACKEND else config.frontend_port
    by_name = [tg for tg in deployment.target_groups if (_tokens(tg.name) | _tokens(strip_index(tg.address).rsplit(".", 1)[-1])) & names]
    if len(by_name) == 1:
        return by_name[0]
    pool = by_name or deployment.target_groups
    by_port = [tg for tg in pool if as_int(tg.port) == port]
    if len(by_port) == 1:
        return by_port[0]
    return None


def path_patterns(rule: Any) -> tuple[str, ...] | None | Unknown:
    """All path_pattern values of a listener rule; None when it has no
    path condition (it matches every path); an Unknown when not known."""
    if isinstance(rule.conditions, Unknown):
        return rule.conditions
    out: list[str] = []
    seen_path = False
    for cond in items(rule.conditions):
        pats = cond.path_patterns
        if isinstance(pats, Unknown):
            return pats
        for p in items(pats):
            if not isinstance(p, str):
                return p if isinstance(p, Unknown) else Unknown(UNRESOLVED, f"path_pattern of {rule.address}")
            out.append(p)
            seen_path = True
    return tuple(out) if seen_path else None


def is_catch_all_pattern(pattern: str) -> bool:
    return pattern in ("*", "/*")


def pattern_covers(pattern: str, target: str) -> bool:
    """Does ALB path pattern ``pattern`` match every path ``target`` matches?

    Exact equality, or ``pattern`` is a literal prefix followed by a single
    trailing ``*`` and ``target``'s literal prefix starts with it.
    """
    if pattern == target:
        return True
    if pattern.endswith("*") and not any(ch in pattern[:-1] for ch in "*?"):
        prefix = pattern[:-1]
        literal = re.split(r"[*?]", target, maxsplit=1)[0]
        return literal.startswith(prefix)
    return False


def forward_targets(rule: Any) -> tuple | Unknown:
    """The target group values a listener rule forwards to (first forward action)."""
    if isinstance(rule.actions, Unknown):
        return rule.actions
    for action in items(rule.actions):
        if isinstance(action.type, Unknown):
            return action.type
        if action.type == "forward":
            if isinstance(action.target_groups, Unknown):
                return action.target_groups
            return items(action.target_groups)
    return ()


def forwards_to(deployment: Deployment, rule: Any, tg: TargetGroup) -> bool | None:
    """Does the rule forward (all of its traffic) to ``tg``?"""
    targets = forward_targets(rule)
    if isinstance(targets, Unknown) or not targets:
        return None if isinstance(targets, Unknown) else False
    verdict: bool | None = True
    for t in targets:
        r = resolve_target_group(deployment, t)
        if isinstance(r, Unknown):
            verdict = None
        elif r is not tg:
            return False
    return verdict


def describe_targets(deployment: Deployment, rule: Any) -> str:
    targets = forward_targets(rule)
    if isinstance(targets, Unknown):
        return explain_unknown(targets)
    if not targets:
        return "no forward action"
    names = []
    for t in targets:
        r = resolve_target_group(deployment, t)
        if isinstance(r, TargetGroup):
            names.append(r.address)
        elif isinstance(r, Unknown):
            names.append(explain_unknown(r))
        else:
            names.append(f"{name_of(t)} (not a target group in scope)")
    return ", ".join(names)
