"""CTJ001: one task, three containers."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, Deployment, Finding, Unknown, describe
from ..queries import BACKEND, DATABASE, FRONTEND, ROLES, explain_unknown, roles_of
from .base import ANCHOR, PLAN_MODE_ANCHOR, TASK, CheckovNotes, Rule
from .common import NO_TASK_SUBJECT, cname, container_subject, failed, passed, undecided


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    tasks = deployment.task_definitions
    if not tasks:
        yield failed(f"no aws_ecs_task_definition in scope {deployment.scope or '(whole input)'}; Stage 1 runs the three containers in one task", subject=NO_TASK_SUBJECT)
        return
    if len(tasks) > 1:
        others = ", ".join(t.address for t in tasks)
        for task in tasks:
            yield failed(f"{len(tasks)} aws_ecs_task_definition resources in scope ({others}); Stage 1 runs exactly one task", task)
        return
    task = tasks[0]
    if not isinstance(task.containers, tuple):
        yield undecided(f"cannot count the containers of {task.address}: {explain_unknown(task.containers)}", task)
        return
    roles = roles_of(task, deployment, config)
    names = ", ".join(cname(c) for c, _ in roles) or "none"
    if len(roles) != 3:
        yield failed(f"task {task.address} has {len(roles)} container(s) ({names}); Stage 1 needs exactly three: frontend, backend, database", task)
        return
    out: list[Finding] = []
    unknown = [(c, r) for c, r in roles if isinstance(r, Unknown)]
    for c, r in roles:
        if r is None:
            out.append(failed(f"container {cname(c)} of {task.address} is neither frontend, backend nor database (image {describe(c.image, quote=True)}, name not in the configured role names)", task, subject=container_subject(c)))
    known = [r for _, r in roles if isinstance(r, str)]
    for role in ROLES:
        n = known.count(role)
        if n > 1:
            dup = ", ".join(cname(c) for c, r in roles if r == role)
            out.append(failed(f"task {task.address} has {n} {role} containers ({dup}); Stage 1 has one each", task))
    if out:
        yield from out
        return
    if unknown:
        for c, r in unknown:
            yield undecided(f"cannot tell the role of container {cname(c)} of {task.address}: {explain_unknown(r)}", task, subject=container_subject(c))
        return
    by_role = {r: c for c, r in roles}
    yield passed(
        f"task {task.address} runs frontend {cname(by_role[FRONTEND])}, backend {cname(by_role[BACKEND])} and database {cname(by_role[DATABASE])}",
        task,
    )


BAD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  # the legacy shape: one fullstack container
  container_definitions = jsonencode([
    { name = "civic-tech-jobs-fs-stage", image = "civic-tech-jobs-fullstack:stage" },
  ])
}
"""

GOOD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    { name = "nextjs", image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-frontend:stage" },
    { name = "django", image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-backend:stage" },
    { name = "postgres", image = "postgres:18" },
  ])
}
"""


RULE = Rule(
    id="CTJ001",
    title="one task, three containers",
    severity=ERROR,
    summary="one task definition with exactly three containers: frontend, backend, database",
    rationale=(
        "The Stage 1 decision (docs/decision.md#topology) runs CTJ as "
        "ONE ECS task with three container definitions - Next.js, Django and Postgres - so that cross-container "
        "traffic stays on localhost and the three scale together as a unit. Roles are recognized by image (the "
        "official postgres repository, the civic-tech-jobs-backend and -frontend ECR repositories) and, when the "
        "image does not tell, by container name. Several task definitions in scope fail, one finding each."
    ),
    remediation=(
        "Replace the fullstack service module with a single aws_ecs_task_definition whose container_definitions = "
        "jsonencode([...]) lists exactly three containers: the frontend (image from civic-tech-jobs-frontend), the "
        "backend (image from civic-tech-jobs-backend) and the database (image postgres:18)."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_001",
    resource_types=ANCHOR,
    checkov=CheckovNotes(
        hcl=TASK,
        note=PLAN_MODE_ANCHOR + "per task definition only (three containers with the frontend, backend and database roles); "
        "'exactly one task definition in scope' needs the whole plan: ctj-policy only",
    ),
    provides=("task", "containers", "frontend", "backend", "database"),
)
