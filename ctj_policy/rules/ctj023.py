"""CTJ023: one shared credential secret for Postgres and Django."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, FAIL, UNKNOWN, Container, Deployment, Finding, SecretVar, Unknown
from ..queries import (
    BACKEND,
    DATABASE,
    containers_unknown,
    ctj_task,
    explain_unknown,
    in_environment,
    lookup,
    role_container,
    same_secret,
    same_secret_value,
)
from ..queries.provenance import database_secret
from .base import CTJ_TASK, TASK, Rule
from .common import (
    NO_TASK,
    NO_TASK_SUBJECT,
    cname,
    describe_value_from,
    env_subject,
    failed,
    finding,
    passed,
    undecided,
)

# (container role, variable) pairs that may also come from the credential secret
_OPTIONAL = ((DATABASE, "POSTGRES_USER"), (DATABASE, "POSTGRES_DB"), (BACKEND, "SQL_USER"), (BACKEND, "SQL_DATABASE"))


def _password(c: Container, name: str) -> tuple[SecretVar | None, tuple[str, str] | None]:
    """The ``secrets`` entry of a password, and what is wrong with how it is set (None: nothing)."""
    var = lookup(c, name)
    if isinstance(var, Unknown):
        return None, (UNKNOWN, f"cannot read {name} of {cname(c)}: {explain_unknown(var)}")
    if isinstance(var, SecretVar):
        if in_environment(c, name) is not None:
            return var, (FAIL, f"{name} of {cname(c)} is also set in plaintext environment; keep it only in secrets")
        return var, None
    if var is None:
        return None, (FAIL, f"{cname(c)} does not set {name}; take it from the shared credential secret in secrets")
    return None, (FAIL, f"{name} of {cname(c)} is in plaintext environment; move it to secrets (valueFrom the shared credential secret)")


def _rds_password(deployment: Deployment, backend: Container):
    """The managed-database secret SQL_PASSWORD is read from (SPEC section 9: provenance), else None."""
    var = lookup(backend, "SQL_PASSWORD")
    return database_secret(deployment, var.value_from) if isinstance(var, SecretVar) else None


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    task = ctj_task(deployment, config)
    if task is None:
        yield failed(f"{NO_TASK}: POSTGRES_PASSWORD and SQL_PASSWORD cannot share a secret", subject=NO_TASK_SUBJECT)
        return
    unknown = containers_unknown(task)
    if unknown is not None:
        yield undecided(f"cannot check the credential secret: {explain_unknown(unknown)}", task)
        return
    out: list[Finding] = []
    found: dict[str, Container] = {}
    for role in (DATABASE, BACKEND):
        c = role_container(task, role, deployment, config)
        if isinstance(c, Unknown):
            out.append(undecided(f"cannot tell which container of {task.address} is the {role}: {explain_unknown(c)}", task))
        elif c is None:
            out.append(failed(f"task {task.address} has no {role} container to share the credential secret", task))
        else:
            found[role] = c
    if len(found) < 2:
        backend = found.get(BACKEND)
        rds = _rds_password(deployment, backend) if backend is not None else None
        if rds is not None:
            # the backend still logs in to the managed database: say where its password comes from
            out.append(failed(f"SQL_PASSWORD of {cname(backend)} comes from {rds.describe()}, not from a credential secret shared with "
                              "a Postgres container in the task; take SQL_PASSWORD and POSTGRES_PASSWORD from one secret",
                              task, container=backend, subject=env_subject(backend, "SQL_PASSWORD")))
        yield from out
        return
    db, backend = found[DATABASE], found[BACKEND]
    secret: dict[str, SecretVar | None] = {}
    for c, name in ((db, "POSTGRES_PASSWORD"), (backend, "SQL_PASSWORD")):
        secret[name], verdict = _password(c, name)
        if verdict is not None:
            out.append(finding(*verdict, task, container=c, subject=env_subject(c, name)))
    pg, sql = secret["POSTGRES_PASSWORD"], secret["SQL_PASSWORD"]
    if pg is not None and sql is not None:
        same = same_secret_value(deployment, pg.value_from, sql.value_from)
        pair = f"POSTGRES_PASSWORD ({describe_value_from(pg.value_from)}) and SQL_PASSWORD ({describe_value_from(sql.value_from)})"
        if same is False:
            rds = database_secret(deployment, sql.value_from)
            where = f"; SQL_PASSWORD comes from {rds.describe()}" if rds is not None else ""
            out.append(failed(f"{pair} are not the same secret and key: the backend would log in with a different password{where}", task, container=backend, subject=env_subject(backend, "SQL_PASSWORD")))
        elif same is None:
            out.append(undecided(f"cannot tell whether {pair} are the same secret and key: a value is known only after apply", task, container=backend, subject=env_subject(backend, "SQL_PASSWORD")))
        for role, name in _OPTIONAL:
            c = found[role]
            var = lookup(c, name)
            if isinstance(var, SecretVar):
                s = same_secret(deployment, var.value_from, pg.value_from)
                if s is False:
                    out.append(failed(f"{name} of {cname(c)} comes from {describe_value_from(var.value_from)}, not the credential secret of POSTGRES_PASSWORD", task, container=c, subject=env_subject(c, name)))
                elif s is None:
                    out.append(undecided(f"cannot tell whether {name} of {cname(c)} comes from the credential secret of POSTGRES_PASSWORD: a value is known only after apply", task, container=c, subject=env_subject(c, name)))
    if out:
        yield from out
    else:
        shared = describe_value_from(pg.value_from)  # type: ignore[union-attr]
        yield passed(f"POSTGRES_PASSWORD and SQL_PASSWORD come from the same secret and key ({shared})", task, container=backend, subject=env_subject(backend, "SQL_PASSWORD"))


BAD = """\
resource "aws_secretsmanager_secret" "db" {
  name = "civic-tech-jobs/stage/db"
}

resource "random_password" "db" {
  length = 32
}

resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name        = "django"
      image       = "django:stage"
      environment = [{ name = "SQL_PASSWORD", value = random_password.db.result }]
    },
    {
      name    = "postgres"
      image   = "postgres:18"
      secrets = [{ name = "POSTGRES_PASSWORD", valueFrom = "${aws_secretsmanager_secret.db.arn}:password::" }]
    },
  ])
}
"""

GOOD = """\
resource "aws_secretsmanager_secret" "db" {
  name = "civic-tech-jobs/stage/db"
}

resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name    = "django"
      image   = "django:stage"
      secrets = [{ name = "SQL_PASSWORD", valueFrom = "${aws_secretsmanager_secret.db.arn}:password::" }]
    },
    {
      name    = "postgres"
      image   = "postgres:18"
      secrets = [{ name = "POSTGRES_PASSWORD", valueFrom = "${aws_secretsmanager_secret.db.arn}:password::" }]
    },
  ])
}
"""


RULE = Rule(
    id="CTJ023",
    title="one shared credential secret",
    severity=ERROR,
    summary="both passwords come from the same secret and key, via `secrets`",
    rationale=(
        "The Stage 1 decision (docs/decision.md#database) has Django connect with the same credentials as the "
        "Postgres container's initialization values, POSTGRES_PASSWORD and SQL_PASSWORD among them. Reading both from one "
        "secret and one JSON key in ECS secrets (never plaintext environment) makes them equal by construction and "
        "keeps the password out of the task definition; user and database name, when they come from a secret, "
        "come from that same secret."
    ),
    remediation=(
        "Put the credentials in one aws_secretsmanager_secret (e.g. jsonencode({username, password, dbname})) and "
        "reference it from both containers' secrets: POSTGRES_PASSWORD and SQL_PASSWORD with valueFrom = "
        "\"${aws_secretsmanager_secret.db.arn}:password::\"."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_023",
    resource_types=TASK,
    applies_to=CTJ_TASK,
    needs=("backend", "database"),
)
