"""The CTJ task, the role of each of its containers, the service running it, and where a variable comes from.

Standard library only.
"""

from __future__ import annotations

from typing import Any

from ..config import Config
from ..model import (
    UNRESOLVED,
    Container,
    Deployment,
    EnvVar,
    Ref,
    SecretVar,
    Service,
    TaskDefinition,
    Template,
    Unknown,
    is_known,
    is_symbolic,
    ref_matches,
)
from .roles import classify
from .values import items


def container_role(container: Container, deployment: Deployment, config: Config) -> str | None | Unknown:
    """SPEC section 3: the image decides; then a configured container name; then evidence (ports,
    variable names, command, health check), never a name alone.  See :mod:`.roles`.

    Returns a role, None (no recognizable role) or an Unknown (what could decide is not known).
    """
    return classify(container, deployment, config).role


def role_evidence(container: Container, deployment: Deployment, config: Config) -> str:
    """``backend by port 8000, SQL_HOST and DJANGO_ALLOWED_HOSTS`` when evidence (not the image or a
    configured name) made ``container`` its role; "" otherwise."""
    decision = classify(container, deployment, config)
    return decision.describe() if decision.by_evidence else ""


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



def in_environment(container: Container, name: str) -> EnvVar | None:
    return container.env(name)  # None too when the environment is not known


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
