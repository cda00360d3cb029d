"""How rules build findings and talk about what they found.  Standard library only.

Deployment questions (which task, which container, which service, secrets,
volumes, routing) live in :mod:`ctj_policy.queries`; this module holds what a
rule needs to *report*: findings and messages that never show a secret value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..model import (
    FAIL,
    PASS,
    UNKNOWN,
    Container,
    Deployment,
    EcrRepository,
    EnvVar,
    Finding,
    Resource,
    SecretVar,
    Service,
    Subject,
    TargetGroup,
    TaskDefinition,
    Unknown,
    describe,
    is_symbolic,
)
from ..queries import (
    containers_unknown,
    ctj_task,
    explain_unknown,
    forward_targets,
    lookup,
    resolve_target_group,
    role_container,
    secret_key,
)

NO_TASK = "no CTJ task definition in scope (see CTJ001)"

# --------------------------------------------------------------------------
# findings and messages
# --------------------------------------------------------------------------


def finding(status: str, message: str, about: Resource | None = None, *, container: Container | None = None, subject: Subject | None = None) -> Finding:
    """The one way a rule builds a finding.

    ``about``: the resource the finding concerns (it gives the address and the
    location); ``container``: the container of that task it concerns (its
    location wins); ``subject``: what the finding is about, by name (default:
    the container, else the resource; a finding about neither must say).
    """
    if subject is None:
        subject = container_subject(container) if container is not None else resource_subject(about)
    if subject is None:
        raise ValueError(f"a finding about no resource needs a subject: {message[:60]!r}")
    location = (container.location if container is not None else None) or (about.location if about is not None else None)
    return Finding(status=status, message=message, address=about.address if about is not None else None, location=location, subject=subject)


def passed(message: str, about: Resource | None = None, *, container: Container | None = None, subject: Subject | None = None) -> Finding:
    return finding(PASS, message, about, container=container, subject=subject)


def failed(message: str, about: Resource | None = None, *, container: Container | None = None, subject: Subject | None = None) -> Finding:
    return finding(FAIL, message, about, container=container, subject=subject)


def undecided(message: str, about: Resource | None = None, *, container: Container | None = None, subject: Subject | None = None) -> Finding:
    return finding(UNKNOWN, message, about, container=container, subject=subject)


# --------------------------------------------------------------------------
# subjects: what a finding is about, by name (never a value)
# --------------------------------------------------------------------------

_RESOURCE_KINDS = ((TaskDefinition, "task"), (Service, "service"), (TargetGroup, "target_group"))


def resource_subject(resource: Resource | None) -> Subject | None:
    """A task, service, target group or ECR repository by kind; any other block by address."""
    if resource is None:
        return None
    if isinstance(resource, EcrRepository) and isinstance(resource.name, str):
        return Subject("repository", resource.name)
    kind = next((k for cls, k in _RESOURCE_KINDS if isinstance(resource, cls)), "repository" if isinstance(resource, EcrRepository) else "block")
    return Subject(kind, resource.address)


def container_subject(container: Container) -> Subject:
    return Subject("container", describe(container.name))


def env_subject(container: Container, name: Any) -> Subject:
    """A variable (environment or secrets entry) of a container."""
    return Subject("env", describe(name), describe(container.name))


def volume_subject(container: Container, name: Any) -> Subject:
    """A task volume as mounted by a container."""
    return Subject("volume", describe(name), describe(container.name))


def route_subject(pattern: Any) -> Subject:
    """An ALB path pattern (``/api/*``)."""
    return Subject("route", describe(pattern))


def attachment_subject(name: Any, container: Any = None) -> Subject:
    """A service's load_balancer block: by role or container name (and the container, when known)."""
    return Subject("attachment", describe(name), describe(container) if container is not None else None)


def scope_subject(deployment: Deployment) -> Subject:
    """The whole scope: a verdict about everything of a kind in it (a pass), or about nothing in particular."""
    return Subject("block", deployment.scope or "(root module)")


# what a finding about a missing task / service names
NO_TASK_SUBJECT = Subject("task", "")
NO_SERVICE_SUBJECT = Subject("service", "")


def cname(container: Container) -> str:
    return f"'{describe(container.name)}'"


def show_var(var: EnvVar, config: Config) -> str:
    """A plain variable's value for messages, unless it is or may be a secret (callers handle an unset
    variable and one from secrets before: ``plain_value``)."""
    if var.sensitive or config.is_secret_name(var.name):
        return "(value hidden)"
    return describe(var.value, quote=True)


def plural(n: int, word: str, suffix: str = "s") -> str:
    return f"{n} {word}{'' if n == 1 else suffix}"


# --------------------------------------------------------------------------
# scopes: the task and one role's container
# --------------------------------------------------------------------------


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
        return Scope(None, None, finding(missing_status, f"{NO_TASK}: {purpose}", subject=NO_TASK_SUBJECT))
    unknown = containers_unknown(task)
    if unknown is not None:
        return Scope(task, None, undecided(f"cannot check the {role} container of {task.address}: {explain_unknown(unknown)}", task))
    c = role_container(task, role, deployment, config)
    if isinstance(c, Unknown):
        return Scope(task, None, undecided(f"cannot tell which container of {task.address} is the {role}: {explain_unknown(c)}", task))
    if c is None:
        return Scope(task, None, finding(missing_status, f"task {task.address} has no {role} container: {purpose}", task))
    return Scope(task, c, None)


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


def describe_value_from(value_from: Any) -> str:
    k = secret_key(value_from)
    text = describe(k.secret)
    if k.json_key:
        text += f" key '{k.json_key}'"
    return text


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
            names.append(f"{describe(t)} (not a target group in scope)")
    return ", ".join(names)
