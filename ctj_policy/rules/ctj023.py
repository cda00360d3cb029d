"""CTJ023: one shared credential secret for Postgres and Django."""

from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..model import ERROR, FAIL, PASS, UNKNOWN, Container, Deployment, Finding, SecretVar, TaskDefinition, Unknown
from ..queries import BACKEND, DATABASE, containers_unknown, ctj_task, explain_unknown, lookup, role_container, same_secret, same_secret_value
from .base import Rule
from .common import NO_TASK, cname, container_finding, describe_value_from, failed, undecided

# (container role, variable) pairs that may also come from the credential secret
_OPTIONAL = ((DATABASE, "POSTGRES_USER"), (DATABASE, "POSTGRES_DB"), (BACKEND, "SQL_USER"), (BACKEND, "SQL_DATABASE"))


def _password(task: TaskDefinition, c: Container, name: str, out: list[Finding]) -> SecretVar | None:
    var = lookup(c, name)
    say = lambda status, msg: out.append(container_finding(status, msg, task, c))  # noqa: E731
    if isinstance(var, Unknown):
        say(UNKNOWN, f"cannot read {name} of {cname(c)}: {explain_unknown(var)}")
        return None
    if isinstance(var, SecretVar):
        if isinstance(c.environment, tuple) and c.env(name) is not None:
            say(FAIL, f"{name} of {cname(c)} is also set in plaintext environment; keep it only in secrets")
        return var
    if var is None:
        say(FAIL, f"{cname(c)} does not set {name}; take it from the shared credential secret in secrets")
    else:
        say(FAIL, f"{name} of {cname(c)} is in plaintext environment; move it to secrets (valueFrom the shared credential secret)")
    return None


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    task = ctj_task(deployment, config)
    if task is None:
        yield failed(f"{NO_TASK}: POSTGRES_PASSWORD and SQL_PASSWORD cannot share a secret")
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
        yield from out
        return
    db, backend = found[DATABASE], found[BACKEND]
    pg = _password(task, db, "POSTGRES_PASSWORD", out)
    sql = _password(task, backend, "SQL_PASSWORD", out)
    if pg is not None and sql is not None:
        same = same_secret_value(deployment, pg.value_from, sql.value_from)
        pair = f"POSTGRES_PASSWORD ({describe_value_from(pg.value_from)}) and SQL_PASSWORD ({describe_value_from(sql.value_from)})"
        if same is False:
            out.append(container_finding(FAIL, f"{pair} are not the same secret and key: the backend would log in with a different password", task, backend))
        elif same is None:
            out.append(container_finding(UNKNOWN, f"cannot tell whether {pair} are the same secret and key: a value is known only after apply", task, backend))
        for role, name in _OPTIONAL:
            c = found[role]
            var = lookup(c, name)
            if isinstance(var, SecretVar):
                s = same_secret(deployment, var.value_from, pg.value_from)
                if s is False:
                    out.append(container_finding(FAIL, f"{name} of {cname(c)} comes from {describe_value_from(var.value_from)}, not the credential secret of POSTGRES_PASSWORD", task, c))
                elif s is None:
                    out.append(container_finding(UNKNOWN, f"cannot tell whether {name} of {cname(c)} comes from the credential secret of POSTGRES_PASSWORD: a value is known only after apply", task, c))
    if out:
        yield from out
    else:
        yield container_finding(PASS, f"POSTGRES_PASSWORD and SQL_PASSWORD come from the same secret and key ({describe_value_from(pg.value_from)})", task, backend)  # type: ignore[union-attr]


RULE = Rule(
    id="CTJ023",
    title="one shared credential secret",
    severity=ERROR,
    rationale=(
        "The Stage 1 decision (seed 001, part 4) has Django connect 'with the same credentials as the Postgres init "
        "env'; seed 000 lists POSTGRES_PASSWORD and SQL_PASSWORD among the Stage 1 variables. Reading both from one "
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
)
