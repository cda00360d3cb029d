"""CTJ011: both target groups on the same task."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, Deployment, Finding, Service, TargetGroup, Unknown, describe, is_symbolic, same_value
from ..queries import (
    BACKEND,
    FRONTEND,
    as_int,
    container_ports,
    containers_unknown,
    ctj_task,
    explain_unknown,
    resolve_target_group,
    role_container,
    services_for,
)
from .base import ANCHOR, CTJ_TASK, PLAN_MODE_ANCHOR, TARGET_GROUPS, CheckovNotes, Rule
from .common import (
    NO_SERVICE_SUBJECT,
    NO_TASK,
    NO_TASK_SUBJECT,
    attachment_subject,
    cname,
    failed,
    passed,
    resource_subject,
    undecided,
)


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    task = ctj_task(deployment, config)
    if task is None:
        yield failed(f"{NO_TASK}: no service can attach it to the target groups", subject=NO_TASK_SUBJECT)
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
            yield failed(f"no aws_ecs_service in scope runs {task.address}", subject=NO_SERVICE_SUBJECT)
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
            out.append(undecided(f"cannot tell which container of {task.address} is the {role}: {explain_unknown(c)}", task, subject=attachment_subject(role)))
            continue
        if c is None:
            out.append(failed(f"task {task.address} has no {role} container to attach to the {role} target group", task, subject=attachment_subject(role)))
            continue
        about = attachment_subject(role, c.name)
        blocks = [lb for lb in lbs if same_value(lb.container_name, c.name) is True]
        undecided_blocks = [lb for lb in lbs if same_value(lb.container_name, c.name) is None]
        if not blocks:
            if undecided_blocks:
                out.append(undecided(f"cannot tell whether a load_balancer block of {service.address} attaches {role} container {cname(c)}: container_name is {describe(undecided_blocks[0].container_name, quote=True)}", service, subject=about))
            else:
                out.append(failed(f"no load_balancer block of {service.address} attaches the {role} container {cname(c)} (port {port})", service, subject=about))
            continue
        lb = blocks[0]
        p = as_int(lb.container_port)
        if is_symbolic(lb.container_port):
            out.append(undecided(f"container_port of the {role} load_balancer block of {service.address} is not known: {explain_unknown(lb.container_port)}", service, subject=about))
        elif p != port:
            out.append(failed(f"{service.address} attaches {role} container {cname(c)} on port {describe(lb.container_port, quote=True)}, expected {port}", service, subject=about))
        else:
            ports = container_ports(c)
            if isinstance(ports, Unknown):
                out.append(undecided(f"portMappings of {cname(c)} are not known: {explain_unknown(ports)}", service, subject=about))
            elif port not in ports:
                out.append(failed(f"{role} container {cname(c)} has no portMappings containerPort {port} (has {sorted(ports) or 'none'})", service, subject=about))
        tg = resolve_target_group(deployment, lb.target_group)
        if isinstance(tg, Unknown):
            out.append(undecided(f"cannot tell which target group the {role} load_balancer block of {service.address} names: {explain_unknown(tg)}", service, subject=about))
            continue
        if tg is None:
            out.append(failed(f"the {role} load_balancer block of {service.address} names target group {describe(lb.target_group, quote=True)}, which is not in scope", service, subject=about))
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
        out.append(failed(f"{service.address} attaches the backend and the frontend to the same target group {attached[BACKEND].address}; path routing needs two", service, subject=resource_subject(attached[BACKEND])))
    pair = f"backend:{config.backend_port} and frontend:{config.frontend_port}"
    yield from out or [passed(f"{service.address} runs {task.address} and attaches {pair} to their own ip target groups", service)]


BAD = """\
resource "aws_lb_target_group" "django" {
  port = 8000 # no target_type: "instance", but awsvpc tasks register by IP
}

resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    { name = "nextjs", image = "nextjs:stage", portMappings = [{ containerPort = 3000 }] },
    { name = "django", image = "django:stage", portMappings = [{ containerPort = 8000 }] },
    { name = "postgres", image = "postgres:18" },
  ])
}

resource "aws_ecs_service" "ctj" {
  task_definition = aws_ecs_task_definition.ctj.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.django.arn
    container_name   = "django"
    container_port   = 8000
  }
  # no load_balancer block for the nextjs container
}
"""

GOOD = """\
resource "aws_lb_target_group" "django" {
  name        = "ctj-stage-django"
  port        = 8000
  target_type = "ip"
}

resource "aws_lb_target_group" "nextjs" {
  name        = "ctj-stage-nextjs"
  port        = 3000
  target_type = "ip"
}

resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    { name = "nextjs", image = "nextjs:stage", portMappings = [{ containerPort = 3000 }] },
    { name = "django", image = "django:stage", portMappings = [{ containerPort = 8000 }] },
    { name = "postgres", image = "postgres:18" },
  ])
}

resource "aws_ecs_service" "ctj" {
  task_definition = aws_ecs_task_definition.ctj.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.django.arn
    container_name   = "django"
    container_port   = 8000
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.nextjs.arn
    container_name   = "nextjs"
    container_port   = 3000
  }
}
"""


RULE = Rule(
    id="CTJ011",
    title="both target groups on the same task",
    severity=ERROR,
    summary="one service attaches backend:8000 and frontend:3000 to their TGs (`target_type = \"ip\"`)",
    rationale=(
        "The Stage 1 decision (docs/decision.md#routing) backs both target groups, Django's and Next.js's, by the same ECS "
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
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_011",
    resource_types=ANCHOR + TARGET_GROUPS,
    applies_to=CTJ_TASK,
    checkov=CheckovNotes(
        hcl=(),
        note=PLAN_MODE_ANCHOR + "nothing (which load_balancer block attaches which container/port to which target group, "
        "matched against the task's portMappings and the target groups' roles): ctj-policy only",
    ),
    needs=("frontend", "backend"), provides=("service",),
)
