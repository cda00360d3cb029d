"""CTJ022: the backend reaches the database over localhost with its credentials."""

from __future__ import annotations

from typing import Any, Iterator

from ..config import Config
from ..model import ERROR, FAIL, PASS, UNKNOWN, Container, Deployment, Finding, SecretVar, TaskDefinition, Unknown, same_value
from ..queries import BACKEND, DATABASE, as_int, explain_unknown, lookup, role_container, same_secret_value
from .base import Rule
from .common import cname, container_finding, describe_value_from, plain_value, role_scope, show_var

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


def _compare(deployment: Deployment, config: Config, task: TaskDefinition, backend: Container, db: Container, bname: str, dname: str, dvar: Any) -> Finding | None:
    bvar = lookup(backend, bname)
    say = lambda status, msg: container_finding(status, msg, task, backend)  # noqa: E731
    if isinstance(bvar, Unknown):
        return say(UNKNOWN, f"cannot read {bname} of backend {cname(backend)}: {explain_unknown(bvar)}")
    if bvar is None:
        return say(FAIL, f"backend {cname(backend)} does not set {bname}; it must equal the database's {dname}")
    if isinstance(dvar, Unknown):
        return say(UNKNOWN, f"cannot read {dname} of database {cname(db)}: {explain_unknown(dvar)}")
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
    if bside[0] == dside[0] == "secret":
        same = same_secret_value(deployment, bside[1], dside[1])
    elif bside[0] != dside[0]:
        return say(UNKNOWN, f"cannot compare backend {bside[2]} with database {dside[2]}: one comes from a secret, the other is literal; source both from the same secret key or both as literals")
    else:
        same = same_value(bside[1], dside[1])
    if same is True:
        return None
    if same is False:
        return say(FAIL, f"backend {bside[2]} differs from database {dside[2]}")
    return say(UNKNOWN, f"cannot compare backend {bside[2]} with database {dside[2]}: a value is known only after apply")


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    purpose = "the backend cannot be checked against the database"
    scope = role_scope(deployment, config, BACKEND, purpose)
    if scope.finding is not None:
        yield scope.finding
        return
    task, backend = scope.task, scope.container
    assert task is not None and backend is not None
    out: list[Finding] = []
    say = lambda status, msg: out.append(container_finding(status, msg, task, backend))  # noqa: E731

    who = f"backend {cname(backend)}"
    host = plain_value(backend, "SQL_HOST", who, "set it to localhost")
    if isinstance(host, tuple):
        say(*host)
    elif not (isinstance(host.value, str) and host.value.strip().lower() in LOCALHOST):
        say(FAIL, f"{who} SQL_HOST is {show_var(host, config)}, not localhost: the database runs in the task")

    port = plain_value(backend, "SQL_PORT", who, f"set it to {config.postgres_port}")
    if isinstance(port, tuple):
        say(*port)
    elif as_int(port.value) != config.postgres_port:
        say(FAIL, f"{who} SQL_PORT is {show_var(port, config)}, not {config.postgres_port}")

    db = role_container(task, DATABASE, deployment, config)
    if isinstance(db, Unknown):
        say(UNKNOWN, f"cannot tell which container is the database to compare SQL_USER/SQL_DATABASE with: {explain_unknown(db)}")
    elif db is None:
        say(FAIL, f"task {task.address} has no database container whose POSTGRES_USER/POSTGRES_DB SQL_USER/SQL_DATABASE could match")
    else:
        user = _effective(db, "POSTGRES_USER", _Default("postgres", "the image's default user is 'postgres'"))
        if isinstance(user, _Default):
            dbname: Any = _effective(db, "POSTGRES_DB", _Default("postgres", "defaults to POSTGRES_USER, 'postgres'"))
        else:
            dbname = _effective(db, "POSTGRES_DB", user)
        for bname, dname, dvar in (("SQL_USER", "POSTGRES_USER", user), ("SQL_DATABASE", "POSTGRES_DB", dbname)):
            if dname == "POSTGRES_DB" and dvar is user and not isinstance(user, _Default):
                dname = "POSTGRES_DB (unset: defaults to POSTGRES_USER)"
            f = _compare(deployment, config, task, backend, db, bname, dname, dvar)
            if f is not None:
                out.append(f)
    if out:
        yield from out
    else:
        yield container_finding(
            PASS,
            f"backend {cname(backend)} connects to localhost:{config.postgres_port} as the database's POSTGRES_USER to its POSTGRES_DB",
            task,
            backend,
        )


RULE = Rule(
    id="CTJ022",
    title="database over localhost",
    severity=ERROR,
    rationale=(
        "The Stage 1 decision (seed 001, part 4; seed 000's Stage 1 variables) has Django connect with SQL_HOST / "
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
)
