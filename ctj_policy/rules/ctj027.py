"""CTJ027 (warning): the backend starts after the database is healthy."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import WARNING, Deployment, Finding, Unknown, is_known, is_symbolic, same_value
from ..queries import BACKEND, DATABASE, explain_unknown, items, role_container
from .base import CTJ_TASK, TASK, Rule
from .common import cname, failed, passed, resource_subject, role_scope, undecided


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    scope = role_scope(deployment, config, BACKEND, "the backend cannot wait for the database")
    if scope.finding is not None:
        yield scope.finding
        return
    task, backend = scope.task, scope.container
    assert task is not None and backend is not None
    db = role_container(task, DATABASE, deployment, config)
    if isinstance(db, Unknown):
        yield undecided(f"cannot tell which container is the database: {explain_unknown(db)}", task, container=backend, subject=resource_subject(task))
        return
    if db is None:
        yield failed(f"task {task.address} has no database container for backend {cname(backend)} to wait for", task, container=backend, subject=resource_subject(task))
        return
    out: list[Finding] = []
    deps = backend.depends_on
    if isinstance(deps, Unknown):
        out.append(undecided(f"dependsOn of backend {cname(backend)} is not known: {explain_unknown(deps)}", task, container=backend))
    else:
        on_db = [d for d in items(deps) if same_value(d.container_name, db.name) is True]
        maybe = [d for d in items(deps) if same_value(d.container_name, db.name) is None]
        if not on_db and maybe and not is_known(db.name):
            out.append(undecided(f"cannot tell whether backend {cname(backend)} dependsOn the database: the database container's name is not known: {explain_unknown(db.name)}", task, container=backend))
        elif not on_db and maybe:
            out.append(undecided(f"dependsOn of backend {cname(backend)} names a container that is not known: {explain_unknown(maybe[0].container_name)}", task, container=backend))
        elif not on_db:
            out.append(failed(f"backend {cname(backend)} does not dependsOn database {cname(db)}; add {{containerName = \"{db.name}\", condition = \"HEALTHY\"}}", task, container=backend))
        else:
            cond = on_db[0].condition
            if is_symbolic(cond):
                out.append(undecided(f"dependsOn condition of backend {cname(backend)} is not known: {explain_unknown(cond)}", task, container=backend))
            elif not (isinstance(cond, str) and cond.upper() == "HEALTHY"):
                out.append(failed(f"backend {cname(backend)} depends on database {cname(db)} with condition {cond!r}, not HEALTHY: Django may start before Postgres accepts connections", task, container=backend))
    hc = db.health_check
    if is_symbolic(hc):
        out.append(undecided(f"healthCheck of database {cname(db)} is not known: {explain_unknown(hc)}", task, container=db))
    elif not hc:
        out.append(failed(f"database {cname(db)} has no healthCheck, so a HEALTHY dependency can never be met; add [\"CMD-SHELL\", \"pg_isready -U <user> -d <db>\"]", task, container=db))
    yield from out or [passed(f"backend {cname(backend)} waits for database {cname(db)} to be HEALTHY (healthCheck present)", task, container=backend)]


BAD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    { name = "django", image = "django:stage" }, # starts with Postgres, races its first boot
    { name = "postgres", image = "postgres:18" },
  ])
}
"""

GOOD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name      = "django"
      image     = "django:stage"
      dependsOn = [{ containerName = "postgres", condition = "HEALTHY" }]
    },
    {
      name  = "postgres"
      image = "postgres:18"
      healthCheck = {
        command  = ["CMD-SHELL", "pg_isready -U postgres"]
        interval = 10
        retries  = 5
      }
    },
  ])
}
"""


RULE = Rule(
    id="CTJ027",
    title="start order",
    severity=WARNING,
    summary="Django waits for a healthy Postgres (`dependsOn` HEALTHY + `healthCheck`)",
    rationale=(
        "In the Stage 1 decision (docs/decision.md#topology) Django reaches Postgres on localhost:5432 inside one task. ECS "
        "starts containers together unless told otherwise, so Django's startup (migrations, first queries) races "
        "Postgres's first-boot initialization from POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB. A dependsOn with "
        "condition HEALTHY on a database healthCheck orders them; without it the backend crash-loops until Postgres is up."
    ),
    remediation=(
        "In the backend container add dependsOn = [{ containerName = \"postgres\", condition = \"HEALTHY\" }] and in "
        "the Postgres container healthCheck = { command = [\"CMD-SHELL\", \"pg_isready -U ctj -d ctj\"], interval = 10, "
        "retries = 5 }."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_027",
    resource_types=TASK,
    applies_to=CTJ_TASK,
    needs=("backend", "database"),
)
