"""CTJ022: the backend reaches the database over localhost with its credentials."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..config import Config
from ..model import (
    ERROR,
    FAIL,
    UNKNOWN,
    Container,
    Deployment,
    EnvVar,
    Finding,
    SecretVar,
    Unknown,
    describe,
    same_value,
)
from ..queries import (
    BACKEND,
    DATABASE,
    as_int,
    explain_unknown,
    lookup,
    role_container,
    role_evidence,
    same_secret_value,
)
from ..queries.provenance import arn_source, describe_source, managed_database_source
from .base import CTJ_TASK, TASK, Rule
from .common import (
    cname,
    describe_value_from,
    env_subject,
    finding,
    passed,
    plain_value,
    resource_subject,
    role_scope,
    show_var,
)

LOCALHOST = ("localhost", "127.0.0.1", "::1")


class _Default:
    """An image default (no variable set)."""

    def __init__(self, value: str, why: str):
        self.value, self.why = value, why


def _effective(db: Container, name: str, fallback: Any) -> Any:
    """POSTGRES_USER / POSTGRES_DB as the image sees it."""
    var = lookup(db, name)
    if var is None:
        return fallback
    return var


def _compare(deployment: Deployment, config: Config, backend: Container, db: Container, bname: str, dname: str, dvar: Any) -> tuple[str, str] | None:
    """Does the backend's ``bname`` equal the database's ``dname`` (``dvar``: its entry or image default)?"""
    bvar = lookup(backend, bname)
    if isinstance(bvar, Unknown):
        return UNKNOWN, f"cannot read {bname} of backend {cname(backend)}: {explain_unknown(bvar)}"
    if bvar is None:
        return FAIL, f"backend {cname(backend)} does not set {bname}; it must equal the database's {dname}"
    if isinstance(dvar, Unknown):
        return UNKNOWN, f"cannot read {dname} of database {cname(db)}: {explain_unknown(dvar)}"
    if isinstance(dvar, _Default):
        dside: Any = ("literal", dvar.value, f"{dname} (unset: {dvar.why})")
    elif isinstance(dvar, SecretVar):
        dside = ("secret", dvar.value_from, f"{dname} (from secret {describe_value_from(dvar.value_from)})")
    else:
        dside = ("literal", dvar.value, f"{dname} {show_var(dvar, config)}")
    if isinstance(bvar, SecretVar):
        bside: Any = ("secret", bvar.value_from, f"{bname} (from secret {describe_value_from(bvar.value_from)})")
    else:
        bside = ("literal", bvar.value, f"{bname} {show_var(bvar, config)}")
    if bside[0] != dside[0]:
        return UNKNOWN, (
            f"cannot compare backend {bside[2]} with database {dside[2]}: one comes from a secret, the other is literal; "
            "source both from the same secret key or both as literals"
        )
    same = same_secret_value(deployment, bside[1], dside[1]) if bside[0] == "secret" else same_value(bside[1], dside[1])
    if same is True:
        return None
    if same is False:
        return FAIL, f"backend {bside[2]} differs from database {dside[2]}"
    return UNKNOWN, f"cannot compare backend {bside[2]} with database {dside[2]}: a value is known only after apply"


def _host(backend: Container, config: Config, evidence: str) -> tuple[str, str] | None:
    who = f"backend {cname(backend)}" + (f" ({evidence})" if evidence else "")
    rds = _managed_endpoint(lookup(backend, "SQL_HOST"), who)
    if rds is not None:
        return rds
    host = plain_value(backend, "SQL_HOST", who, "set it to localhost")
    if isinstance(host, tuple):
        return host
    if isinstance(host.value, str) and host.value.strip().lower() in LOCALHOST:
        return None
    return FAIL, f"{who} SQL_HOST is {show_var(host, config)}, not localhost: the database runs in the task"


def _managed_endpoint(var: Any, who: str) -> tuple[str, str] | None:
    """SQL_HOST whose provenance decides what "known after apply" cannot (SPEC section 9): an
    attribute of an RDS instance/cluster/proxy or RDS data source, or an ARN, is never localhost."""
    if not isinstance(var, EnvVar):
        return None
    rds = managed_database_source(var.value)
    if rds is not None:
        return FAIL, (
            f"{who} SQL_HOST is {describe(rds)}, the endpoint of a managed database ({describe_source(rds)}), "
            "never localhost: Stage 1 runs Postgres in the task; set SQL_HOST to localhost"
        )
    arn = arn_source(var.value)
    if arn is not None:
        return FAIL, f"{who} SQL_HOST is {describe(arn)}, an ARN, which is never a hostname; set it to localhost"
    return None


def _port(backend: Container, config: Config) -> tuple[str, str] | None:
    who = f"backend {cname(backend)}"
    var = lookup(backend, "SQL_PORT")
    rds = managed_database_source(var.value) if isinstance(var, EnvVar) else None
    if rds is not None:
        # the port read from a managed database: the backend is still wired to RDS, whatever the number
        return FAIL, (
            f"{who} SQL_PORT is {describe(rds)}, the port of a managed database ({describe_source(rds)}): "
            f"Stage 1's Postgres listens in the task; set SQL_PORT to {config.postgres_port}"
        )
    port = plain_value(backend, "SQL_PORT", who, f"set it to {config.postgres_port}")
    if isinstance(port, tuple):
        return port
    if as_int(port.value) == config.postgres_port:
        return None
    return FAIL, f"{who} SQL_PORT is {show_var(port, config)}, not {config.postgres_port}"


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    scope = role_scope(deployment, config, BACKEND, "the backend cannot be checked against the database")
    if scope.finding is not None:
        yield scope.finding
        return
    task, backend = scope.task, scope.container
    assert task is not None and backend is not None
    evidence = role_evidence(backend, deployment, config)
    verdicts: list[tuple[str, tuple[str, str] | None]] = [("SQL_HOST", _host(backend, config, evidence)), ("SQL_PORT", _port(backend, config))]
    db = role_container(task, DATABASE, deployment, config)
    if isinstance(db, Unknown):
        verdicts.append(("", (UNKNOWN, f"cannot tell which container is the database to compare SQL_USER/SQL_DATABASE with: {explain_unknown(db)}")))
    elif db is None:
        verdicts.append(("", (FAIL, f"task {task.address} has no database container whose POSTGRES_USER/POSTGRES_DB SQL_USER/SQL_DATABASE could match")))
    else:
        user = _effective(db, "POSTGRES_USER", _Default("postgres", "the image's default user is 'postgres'"))
        if isinstance(user, _Default):
            dbname: Any = _effective(db, "POSTGRES_DB", _Default("postgres", "defaults to POSTGRES_USER, 'postgres'"))
        else:
            dbname = _effective(db, "POSTGRES_DB", user)
        # "unset" only when POSTGRES_DB is really absent (not when it and POSTGRES_USER share one Unknown environment)
        db_unset = lookup(db, "POSTGRES_DB") is None and not isinstance(user, _Default)
        db_label = "POSTGRES_DB (unset: defaults to POSTGRES_USER)" if db_unset else "POSTGRES_DB"
        verdicts.append(("SQL_USER", _compare(deployment, config, backend, db, "SQL_USER", "POSTGRES_USER", user)))
        verdicts.append(("SQL_DATABASE", _compare(deployment, config, backend, db, "SQL_DATABASE", db_label, dbname)))
    out = [
        finding(*verdict, task, container=backend, subject=env_subject(backend, name) if name else resource_subject(task))
        for name, verdict in verdicts
        if verdict is not None
    ]
    where = f"localhost:{config.postgres_port}"
    yield from out or [passed(f"backend {cname(backend)} connects to {where} as the database's POSTGRES_USER to its POSTGRES_DB", task, container=backend)]


BAD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name  = "django"
      image = "django:stage"
      environment = [
        { name = "SQL_HOST", value = "incubator-prod-database.cluster.us-west-2.rds.amazonaws.com" },
        { name = "SQL_PORT", value = "5432" },
        { name = "SQL_USER", value = "ctj" },
        { name = "SQL_DATABASE", value = "ctj" },
      ]
    },
    { name = "postgres", image = "postgres:18" }, # user and database default to "postgres"
  ])
}
"""

GOOD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name  = "django"
      image = "django:stage"
      environment = [
        { name = "SQL_HOST", value = "localhost" },
        { name = "SQL_PORT", value = "5432" },
        { name = "SQL_USER", value = "ctj" },
        { name = "SQL_DATABASE", value = "ctj" },
      ]
    },
    {
      name  = "postgres"
      image = "postgres:18"
      environment = [
        { name = "POSTGRES_USER", value = "ctj" },
        { name = "POSTGRES_DB", value = "ctj" },
      ]
    },
  ])
}
"""


RULE = Rule(
    id="CTJ022",
    title="database over localhost",
    severity=ERROR,
    summary="Django connects to `localhost:5432` with Postgres' own user and database",
    rationale=(
        "The Stage 1 decision (docs/decision.md#database) has Django connect with SQL_HOST / "
        "SQL_PORT / SQL_USER / SQL_PASSWORD / SQL_DATABASE to localhost:5432 with the same credentials as the "
        "Postgres container's init values. So SQL_HOST is localhost (127.0.0.1, ::1), SQL_PORT is 5432, and "
        "SQL_USER / SQL_DATABASE equal the effective POSTGRES_USER / POSTGRES_DB (the image defaults user to "
        "'postgres' and the database to the user). Values from secrets compare by valueFrom (same secret, same key); "
        "a secret on one side and a literal on the other cannot be compared and is reported unknown."
    ),
    remediation=(
        "In the backend container set SQL_HOST = \"localhost\", SQL_PORT = \"5432\", and SQL_USER / SQL_DATABASE to "
        "the same values (or the same secret keys) as the Postgres container's POSTGRES_USER / POSTGRES_DB."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_022",
    resource_types=TASK,
    applies_to=CTJ_TASK,
    needs=("backend", "database"),
)
