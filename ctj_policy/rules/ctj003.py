"""CTJ003: the task shares one network namespace."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, Deployment, Finding, describe, is_symbolic
from ..queries import ctj_task, explain_unknown
from .base import CTJ_TASK, TASK, Rule
from .common import NO_TASK, NO_TASK_SUBJECT, failed, passed, undecided


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    task = ctj_task(deployment, config)
    if task is None:
        yield failed(f"{NO_TASK}: network_mode cannot be awsvpc", subject=NO_TASK_SUBJECT)
        return
    mode = task.network_mode
    if is_symbolic(mode):
        yield undecided(f"network_mode of {task.address} is not known: {explain_unknown(mode)}", task)
    elif mode == "awsvpc":
        yield passed(f"task {task.address} uses network_mode awsvpc: containers share localhost", task)
    elif mode is None:
        yield failed(f"task {task.address} does not set network_mode (bridge on EC2: containers do not share localhost); set network_mode = \"awsvpc\"", task)
    else:
        yield failed(f"task {task.address} uses network_mode {describe(mode, quote=True)}; containers share localhost only with \"awsvpc\"", task)


BAD = """\
resource "aws_ecs_task_definition" "ctj" {
  family                = "civic-tech-jobs-stage"
  # no network_mode: bridge on EC2, each container has its own localhost
  container_definitions = jsonencode([])
}
"""

GOOD = """\
resource "aws_ecs_task_definition" "ctj" {
  family                = "civic-tech-jobs-stage"
  network_mode          = "awsvpc"
  container_definitions = jsonencode([])
}
"""


RULE = Rule(
    id="CTJ003",
    title="shared network namespace",
    severity=ERROR,
    summary="the task uses `awsvpc` (containers share localhost)",
    rationale=(
        "The Stage 1 decision (docs/decision.md#topology) keeps cross-container traffic on localhost: Django reaches Postgres "
        "on localhost:5432 and Next.js reaches Django on localhost:8000, with no service discovery. Only awsvpc "
        "gives the task's containers one network namespace; an unset network_mode is bridge on EC2, where localhost "
        "is per container."
    ),
    remediation='Set network_mode = "awsvpc" on the CTJ aws_ecs_task_definition (and give the service a network_configuration).',
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_003",
    resource_types=TASK,
    applies_to=CTJ_TASK,
    needs=("task",),
)
