"""CTJ027 (warning): the backend starts after the database is healthy."""

from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..model import FAIL, PASS, UNKNOWN, WARNING, Deployment, Finding, Unknown, is_symbolic, same_value
from ..queries import BACKEND, DATABASE, explain_unknown, items, role_container
from .base import Rule
from .common import cname, container_finding, role_scope


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    scope = role_scope(deployment, config, BACKEND, "the backend cannot wait for the database")
    if scope.finding is not None:
        yield scope.finding
        return
    task, backend = scope.task, scope.container
    assert task is not None and backend is not None
    db = role_container(task, DATABASE, deployment, config)
    if isinstance(db, Unknown):
        yield container_finding(UNKNOWN, f"cannot tell which container is the database: {explain_unknown(db)}", task, backend)
        return
    if db is None:
        yield container_finding(FAIL, f"task {task.address} has no database container for backend {cname(backend)} to wait for", task, backend)
        return
    out: list[Finding] = []
    deps = backend.depends_on
    if isinstance(deps, Unknown):
        out.append(container_finding(UNKNOWN, f"dependsOn of backend {cname(backend)} is not known: {explain_unknown(deps)}", task, backend))
    else:
        on_db = [d for d in items(deps) if same_value(d.container_name, db.name) is True]
        if not on_db:
            out.append(container_finding(FAIL, f"backend {cname(backend)} does not dependsOn database {cname(db)}; add {{containerName = \"{db.name}\", condition = \"HEALTHY\"}}", task, backend))
        else:
            cond = on_db[0].condition
            if is_symbolic(cond):
                out.append(container_finding(UNKNOWN, f"dependsOn condition of backend {cname(backend)} is not known: {explain_unknown(cond)}", task, backend))
            elif not (isinstance(cond, str) and cond.upper() == "HEALTHY"):
                out.append(container_finding(FAIL, f"backend {cname(backend)} depends on database {cname(db)} with condition {cond!r}, not HEALTHY: Django may start before Postgres accepts connections", task, backend))
    hc = db.health_check
    if is_symbolic(hc):
        out.append(container_finding(UNKNOWN, f"healthCheck of database {cname(db)} is not known: {explain_unknown(hc)}", task, db))
    elif not hc:
        out.append(container_finding(FAIL, f"database {cname(db)} has no healthCheck, so a HEALTHY dependency can never be met; add [\"CMD-SHELL\", \"pg_isready -U <user> -d <db>\"]", task, db))
    if out:
        yield from out
    else:
        yield container_finding(PASS, f"backend {cname(backend)} waits for database {cname(db)} to be HEALTHY (healthCheck present)", task, backend)


RULE = Rule(
    id="CTJ027",
    title="start order",
    severity=WARNING,
    rationale=(
        "In the Stage 1 decision (seeds 000 and 001) Django reaches Postgres on localhost:5432 inside one task. ECS "
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
)
