"""How rules build findings and talk about what they found.  Standard library only.

Deployment questions (which task, which container, which service, secrets,
volumes, routing) live in :mod:`ctj_policy.queries`; this module holds what a
rule needs to *report*: findings and messages that never show a secret value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ..config import Config
from ..model import (
    FAIL,
    PASS,
    UNKNOWN,
    Container,
    Deployment,
    EnvVar,
    Finding,
    Location,
    Resource,
    SecretVar,
    TargetGroup,
    TaskDefinition,
    Unknown,
    describe,
    is_symbolic,
)
from ..queries import containers_unknown, ctj_task, explain_unknown, forward_targets, lookup, resolve_target_group, role_container, secret_key

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


def cname(container: Container) -> str:
    return f"'{describe(container.name)}'"


def show_var(var: EnvVar | SecretVar | None, config: Config) -> str:
    """A variable's value for messages, unless it is or may be a secret."""
    if var is None:
        return "(unset)"
    if isinstance(var, SecretVar):
        return "(from secrets)"
    if var.sensitive or config.is_secret_name(var.name):
        return "(value hidden)"
    return describe(var.value, quote=True)


def plural(n: int, word: str, suffix: str = "s") -> str:
    return f"{n} {word}{'' if n == 1 else suffix}"


def finish(findings: list[Finding], pass_message: str, thing: Any = None, *, address: str | None = None) -> Iterator[Finding]:
    """Yield the fails/unknowns collected by a rule, or one pass when there are none."""
    if findings:
        yield from findings
    else:
        yield passed(pass_message, thing, address=address)


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
