"""CTJ026: a single writer on the data directory."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, Deployment, Finding, Unknown, describe, is_symbolic
from ..queries import as_int, ctj_service, ctj_task, explain_unknown, services_for
from .base import AUTOSCALING, CTJ_SERVICE, SERVICE, CheckovNotes, Rule
from .common import NO_TASK, NO_TASK_SUBJECT, failed, passed, undecided

DESIRED_COUNT = "ecs:service:DesiredCount"


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    task = ctj_task(deployment, config)
    if task is None:
        yield failed(f"{NO_TASK}: no service to check for a single writer", subject=NO_TASK_SUBJECT)
        return
    service = ctj_service(deployment, config, task)
    if isinstance(service, Unknown):
        yield undecided(f"cannot tell which service runs {task.address}: {explain_unknown(service)}", task)
        return
    if service is None:
        yield failed(f"no aws_ecs_service in scope runs {task.address}", task)
        return
    out: list[Finding] = []
    runners, _ = services_for(deployment, task)
    if len(runners) > 1:
        out.append(failed(f"{len(runners)} services run {task.address}: each starts its own Postgres on the data directory", service))
    checks = (
        ("desired_count", service.desired_count, 0, lambda v: v <= 1, "at most 1"),
        ("deployment_maximum_percent", service.deployment_maximum_percent, 200, lambda v: v <= 100, "at most 100 (no second task during a deploy)"),
        ("deployment_minimum_healthy_percent", service.deployment_minimum_healthy_percent, 100, lambda v: v == 0, "0 (else a one-task deploy stalls)"),
    )
    for attr, value, default, ok, want in checks:
        if is_symbolic(value):
            out.append(undecided(f"{attr} of {service.address} is not known: {explain_unknown(value)}", service))
            continue
        n = as_int(value) if value is not None else default
        shown = describe(value, quote=True) if value is not None else f"unset (AWS default {default})"
        if n is None or not ok(n):
            out.append(failed(f"{service.address} {attr} is {shown}; it must be {want}", service))
    for target in deployment.autoscaling_targets:
        dim = target.scalable_dimension
        if isinstance(dim, str) and dim != DESIRED_COUNT:
            continue
        if is_symbolic(target.max_capacity):
            out.append(undecided(f"max_capacity of {target.address} is not known: {explain_unknown(target.max_capacity)}", target))
        elif (as_int(target.max_capacity) or 0) > 1:
            out.append(failed(f"autoscaling target {target.address} allows max_capacity {describe(target.max_capacity, quote=True)}: two Postgres servers on one data directory corrupt it", target))
    one_at_a_time = "desired_count <= 1, maximum 100%, minimum healthy 0%"
    yield from out or [passed(f"{service.address} runs one task at a time ({one_at_a_time}) and does not autoscale", service)]


BAD = """\
resource "aws_ecs_task_definition" "ctj" {
  family                = "civic-tech-jobs-stage"
  network_mode          = "awsvpc"
  container_definitions = jsonencode([{ name = "postgres", image = "postgres:18" }])
}

resource "aws_ecs_service" "ctj" {
  name            = "civic-tech-jobs-stage"
  task_definition = aws_ecs_task_definition.ctj.arn
  desired_count   = 2 # two Postgres servers on one data directory
  # unset: maximum 200%, minimum healthy 100% (a rolling deploy overlaps two tasks)
}
"""

GOOD = """\
resource "aws_ecs_task_definition" "ctj" {
  family                = "civic-tech-jobs-stage"
  network_mode          = "awsvpc"
  container_definitions = jsonencode([{ name = "postgres", image = "postgres:18" }])
}

resource "aws_ecs_service" "ctj" {
  name                               = "civic-tech-jobs-stage"
  task_definition                    = aws_ecs_task_definition.ctj.arn
  desired_count                      = 1
  deployment_maximum_percent         = 100
  deployment_minimum_healthy_percent = 0
}
"""


RULE = Rule(
    id="CTJ026",
    title="single writer",
    severity=ERROR,
    summary="a single writer: one task, no overlap on deploy, no autoscaling above 1",
    rationale=(
        "The Stage 1 decision (docs/decision.md#topology, #database) runs Postgres inside the task with its data on one persistent "
        "volume; the three containers scale together as a unit. A second copy of the task - desired_count above 1, "
        "a rolling deploy with deployment_maximum_percent above 100, or an autoscaling target above 1 - starts a "
        "second Postgres server on the same data directory and corrupts it. deployment_minimum_healthy_percent must "
        "then be 0, or a one-task deploy can never stop the old task and stalls. Unset values take AWS's defaults "
        "(desired_count 0, maximum 200, minimum healthy 100); an autoscaling target in scope counts when its "
        "dimension is ecs:service:DesiredCount."
    ),
    remediation=(
        "On the CTJ aws_ecs_service set desired_count = 1, deployment_maximum_percent = 100 and "
        "deployment_minimum_healthy_percent = 0, and remove any aws_appautoscaling_target for it with max_capacity > 1."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_026",
    resource_types=SERVICE + AUTOSCALING,
    applies_to=CTJ_SERVICE,
    checkov=CheckovNotes(
        hcl=SERVICE,
        note="desired_count and deployment percentages; autoscaling targets: plan mode only",
    ),
    needs=("service",),
)
