"""CTJ030 (warning): NEXT_PUBLIC_* are build-time values."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import PASS, WARNING, Deployment, Finding, is_symbolic
from ..queries import FRONTEND, explain_unknown, items
from .base import CTJ_TASK, TASK, Rule
from .common import cname, env_subject, failed, passed, role_scope, undecided

PREFIX = "NEXT_PUBLIC_"


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    # nothing to flag without a frontend: the rule forbids, it does not require
    scope = role_scope(deployment, config, FRONTEND, "nothing to check for NEXT_PUBLIC_* variables", missing_status=PASS)
    if scope.finding is not None:
        yield scope.finding
        return
    task, fe = scope.task, scope.container
    assert task is not None and fe is not None
    out: list[Finding] = []
    for attr, where in (("environment", "environment"), ("secrets", "secrets")):
        entries = getattr(fe, attr)
        if is_symbolic(entries):
            out.append(undecided(f"{attr} of frontend {cname(fe)} is not known: {explain_unknown(entries)}", task, container=fe))
            continue
        for var in items(entries):
            if is_symbolic(var.name):
                out.append(undecided(f"a variable name in the {where} of frontend {cname(fe)} is not known: {explain_unknown(var.name)}", task, container=fe))
            elif isinstance(var.name, str) and var.name.upper().startswith(PREFIX):
                out.append(failed(f"frontend {cname(fe)} sets {var.name} in its runtime {where}, where it has no effect: Next.js inlines NEXT_PUBLIC_* at build time; pass it as a docker --build-arg", task, container=fe, subject=env_subject(fe, var.name)))
    yield from out or [passed(f"frontend {cname(fe)} sets no NEXT_PUBLIC_* variable at runtime", task, container=fe)]


BAD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name        = "nextjs"
      image       = "nextjs:stage"
      environment = [{ name = "NEXT_PUBLIC_API_URL", value = "https://stage.civictechjobs.org" }]
    },
  ])
}
"""

GOOD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      # NEXT_PUBLIC_API_URL is a --build-arg of the deploy workflow's docker build
      name        = "nextjs"
      image       = "nextjs:stage"
      environment = [{ name = "NODE_ENV", value = "production" }]
    },
  ])
}
"""


RULE = Rule(
    id="CTJ030",
    title="NEXT_PUBLIC_* are build-time",
    severity=WARNING,
    summary="no `NEXT_PUBLIC_*` at runtime (they are build-time `--build-arg`s)",
    rationale=(
        "The Stage 1 decision (docs/decision.md#runtime-variables) notes that Next.js inlines NEXT_PUBLIC_* values into the JS bundle "
        "during npm run build, so setting them at container runtime has no effect: NEXT_PUBLIC_API_URL goes into the "
        "deploy workflow's docker build step as a --build-arg, not into the Terraform container environment. Runtime "
        "secrets are injected the same way as environment and are flagged too. Without a frontend container there is "
        "nothing to flag, so the rule passes (CTJ001 reports the missing container)."
    ),
    remediation=(
        "Remove NEXT_PUBLIC_* entries from the frontend container's environment/secrets and pass them in "
        "deploy-stage.yml's docker build step: --build-arg NEXT_PUBLIC_API_URL=https://stage.civictechjobs.org."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_030",
    resource_types=TASK,
    applies_to=CTJ_TASK,
    needs=("frontend",),
)
