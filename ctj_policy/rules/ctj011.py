"""CTJ011: both target groups on the same task."""

from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..model import ERROR, Deployment, Finding, Service, TargetGroup, Unknown, describe, is_symbolic, same_value
from ..queries import BACKEND, FRONTEND, as_int, container_ports, containers_unknown, ctj_task, explain_unknown, resolve_target_group, role_container, services_for
from .base import Rule
from .common import NO_TASK, cname, failed, finish, undecided


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    task = ctj_task(deployment, config)
    if task is None:
        yield failed(f"{NO_TASK}: no service can attach it to the target groups")
        return
    yes, maybe = services_for(deployment, task)
    if len(yes) > 1:
        for s in yes:
            yield failed(f"{len(yes)} services run {task.address} ({', '.join(x.address for x in yes)}); Stage 1 has one", s)
        return
    if not yes:
        if maybe:
            for s in maybe:
                yield undecided(f"cannot tell whether {s.address} runs {task.address}: task_definition is {describe(s.task_definition, quote=True)}", s)
        else:
            yield failed(f"no aws_ecs_service in scope runs {task.address}")
        return
    if maybe:
        for s in maybe:
            yield undecided(f"cannot tell whether {s.address} also runs {task.address} (Stage 1 has one service): task_definition is {describe(s.task_definition, quote=True)}", s)
        return
    service: Service = yes[0]
    lbs = service.load_balancers
    if isinstance(lbs, Unknown):
        yield undecided(f"load_balancer blocks of {service.address} are not known: {explain_unknown(lbs)}", service)
        return
    unknown = containers_unknown(task)
    if unknown is not None:
        yield undecided(f"cannot match the load_balancer blocks of {service.address} to containers: {explain_unknown(unknown)}", service)
        return
    out: list[Finding] = []
    attached: dict[str, TargetGroup] = {}
    for role, port in ((BACKEND, config.backend_port), (FRONTEND, config.frontend_port)):
        c = role_container(task, role, deployment, config)
        if isinstance(c, Unknown):
            out.append(undecided(f"cannot tell which container of {task.address} is the {role}: {explain_unknown(c)}", task))
            continue
        if c is None:
            out.append(failed(f"task {task.address} has no {role} container to attach to the {role} target group", task))
            continue
        blocks = [lb for lb in lbs if same_value(lb.container_name, c.name) is True]
        undecided_blocks = [lb for lb in lbs if same_value(lb.container_name, c.name) is None]
        if not blocks:
            if undecided_blocks:
                out.append(undecided(f"cannot tell whether a load_balancer block of {service.address} attaches {role} container {cname(c)}: container_name is {describe(undecided_blocks[0].container_name, quote=True)}", service))
            else:
                out.append(failed(f"no load_balancer block of {service.address} attaches the {role} container {cname(c)} (port {port})", service))
            continue
        lb = blocks[0]
        p = as_int(lb.container_port)
        if is_symbolic(lb.container_port):
            out.append(undecided(f"container_port of the {role} load_balancer block of {service.address} is not known: {explain_unknown(lb.container_port)}", service))
        elif p != port:
            out.append(failed(f"{service.address} attaches {role} container {cname(c)} on port {describe(lb.container_port, quote=True)}, expected {port}", service))
        else:
            ports = container_ports(c)
            if isinstance(ports, Unknown):
                out.append(undecided(f"portMappings of {cname(c)} are not known: {explain_unknown(ports)}", service))
            elif port not in ports:
                out.append(failed(f"{role} container {cname(c)} has no portMappings containerPort {port} (has {sorted(ports) or 'none'})", service))
        tg = resolve_target_group(deployment, lb.target_group)
        if isinstance(tg, Unknown):
            out.append(undecided(f"cannot tell which target group the {role} load_balancer block of {service.address} names: {explain_unknown(tg)}", service))
            continue
        if tg is None:
            out.append(failed(f"the {role} load_balancer block of {service.address} names target group {describe(lb.target_group, quote=True)}, which is not in scope", service))
            continue
        attached[role] = tg
        tt = tg.target_type
        if is_symbolic(tt):
            out.append(undecided(f"target_type of {tg.address} is not known: {explain_unknown(tt)}", tg))
        elif tt is None:
            out.append(failed(f"{tg.address} does not set target_type (defaults to \"instance\"); awsvpc tasks register by IP: set target_type = \"ip\"", tg))
        elif tt != "ip":
            out.append(failed(f"{tg.address} has target_type {describe(tt, quote=True)}; awsvpc tasks register by IP: set target_type = \"ip\"", tg))
    if BACKEND in attached and FRONTEND in attached and attached[BACKEND] is attached[FRONTEND]:
        out.append(failed(f"{service.address} attaches the backend and the frontend to the same target group {attached[BACKEND].address}; path routing needs two", service))
    yield from finish(
        out,
        f"{service.address} runs {task.address} and attaches backend:{config.backend_port} and frontend:{config.frontend_port} to their own ip target groups",
        service,
    )


RULE = Rule(
    id="CTJ011",
    title="both target groups on the same task",
    severity=ERROR,
    rationale=(
        "The Stage 1 decision (seeds 000 and 001) backs both target groups, Django's and Next.js's, by the same ECS "
        "task. One aws_ecs_service runs the task and registers it twice, through two load_balancer blocks: the Django "
        "container on 8000 and the Next.js container on 3000, each a containerPort of that container. With awsvpc the "
        "task is registered by IP, so both target groups need target_type \"ip\"."
    ),
    remediation=(
        "In the one aws_ecs_service running the task, add load_balancer { target_group_arn = aws_lb_target_group.backend.arn, "
        "container_name = \"django\", container_port = 8000 } and the same for the frontend (\"nextjs\", 3000); declare "
        "portMappings for those ports and set target_type = \"ip\" on both aws_lb_target_group resources."
    ),
    check=check,
)
