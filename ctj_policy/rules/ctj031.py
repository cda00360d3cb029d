"""CTJ031: no plaintext secrets in container environments."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, Deployment, Finding, is_symbolic
from ..queries import explain_unknown, items
from .base import TASK, CheckovNotes, Rule
from .common import cname, env_subject, failed, passed, plural, scope_subject, undecided


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    out: list[Finding] = []
    count = 0
    for task in deployment.task_definitions:
        if is_symbolic(task.containers):
            out.append(undecided(f"cannot check the container environments of {task.address}: {explain_unknown(task.containers)}", task))
            continue
        for c in items(task.containers):
            count += 1
            if is_symbolic(c.environment):
                out.append(undecided(f"environment of {cname(c)} in {task.address} is not known: {explain_unknown(c.environment)}", task, container=c))
                continue
            for var in items(c.environment):
                if is_symbolic(var.name):
                    out.append(undecided(f"a variable name in the environment of {cname(c)} is not known: {explain_unknown(var.name)}", task, container=c))
                elif config.is_secret_name(var.name):
                    out.append(failed(f"container {cname(c)} holds secret-looking {var.name} in plaintext environment; move it to secrets (valueFrom a Secrets Manager secret)", task, container=c, subject=env_subject(c, var.name)))
                elif var.sensitive:
                    # say where the sensitivity comes from (SPEC section 9), never the value
                    why = f"is sensitive ({var.sensitive_from})" if var.sensitive_from else "is marked sensitive"
                    out.append(failed(f"container {cname(c)} holds {var.name}, whose value {why}, in plaintext environment; move it to secrets", task, container=c, subject=env_subject(c, var.name)))
    containers = plural(count, "container")
    yield from out or [passed(f"no secret-looking or sensitive value in the environment of {containers}", subject=scope_subject(deployment))]


BAD = """\
resource "random_password" "cookie_key" {
  length = 50
}

resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name        = "django"
      image       = "django:stage"
      environment = [{ name = "SECRET_KEY", value = random_password.cookie_key.result }]
    },
  ])
}
"""

GOOD = """\
resource "aws_secretsmanager_secret" "django" {
  name = "civic-tech-jobs/stage/django"
}

resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name    = "django"
      image   = "django:stage"
      secrets = [{ name = "SECRET_KEY", valueFrom = aws_secretsmanager_secret.django.arn }]
    },
  ])
}
"""


RULE = Rule(
    id="CTJ031",
    title="no plaintext secrets",
    severity=ERROR,
    summary="no secret-looking or sensitive value in any container's plain `environment`",
    rationale=(
        "The Stage 1 decision (docs/decision.md#database) leaves credential sourcing to DevOps (random_password, Secrets "
        "Manager), but today's stage (docs/decision.md#todays-deployment) puts SECRET_KEY = random_password.cookie_key.result in the plaintext "
        "container_environment, where the task definition, the console and every plan show it. A variable whose name "
        "looks secret (PASSWORD, SECRET, TOKEN, *_KEY, ...) or whose value the plan marks sensitive belongs in the "
        "container's secrets. Every container of every task definition in scope is checked; the value is never shown."
    ),
    remediation=(
        "Move the variable from environment to secrets: store it in an aws_secretsmanager_secret(_version) and "
        "reference it with secrets = [{ name = \"DJANGO_SECRET_KEY\", valueFrom = aws_secretsmanager_secret.django.arn }]."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_031",
    resource_types=TASK,
    checkov=CheckovNotes(
        note="values the plan marks sensitive: plan mode only (read from the plan file); HCL mode sees secret-looking names only",
    ),
    needs=("containers",),
)
