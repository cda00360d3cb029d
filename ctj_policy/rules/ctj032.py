"""CTJ032: Django runtime configuration."""

from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..model import ERROR, FAIL, PASS, UNKNOWN, Deployment, Finding, SecretVar, Template, Unknown, is_symbolic
from ..queries import BACKEND, explain_unknown, in_environment, lookup
from .base import Rule
from .common import cname, container_finding, plain_value, role_scope, show_var

FALSE = ("false", "0", "no", "off")
TRUE = ("true", "1", "yes", "on")


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    scope = role_scope(deployment, config, BACKEND, "Django's runtime configuration cannot be checked")
    if scope.finding is not None:
        yield scope.finding
        return
    task, be = scope.task, scope.container
    assert task is not None and be is not None
    out: list[Finding] = []
    say = lambda status, msg: out.append(container_finding(status, msg, task, be))  # noqa: E731

    # DJANGO_SECRET_KEY: present, from secrets, never in environment
    key = lookup(be, "DJANGO_SECRET_KEY")
    if in_environment(be, "DJANGO_SECRET_KEY") is not None:
        say(FAIL, f"backend {cname(be)} sets DJANGO_SECRET_KEY in plaintext environment; move it to secrets")
    elif isinstance(key, Unknown):
        say(UNKNOWN, f"cannot read DJANGO_SECRET_KEY of backend {cname(be)}: {explain_unknown(key)}")
    elif key is None:
        say(FAIL, f"backend {cname(be)} does not set DJANGO_SECRET_KEY; add it to secrets")

    # DJANGO_ALLOWED_HOSTS: non-empty
    hosts = lookup(be, "DJANGO_ALLOWED_HOSTS")
    if isinstance(hosts, Unknown):
        say(UNKNOWN, f"cannot read DJANGO_ALLOWED_HOSTS of backend {cname(be)}: {explain_unknown(hosts)}")
    elif hosts is None:
        say(FAIL, f"backend {cname(be)} does not set DJANGO_ALLOWED_HOSTS; set it to the stage hostname")
    elif isinstance(hosts, SecretVar):
        say(UNKNOWN, f"DJANGO_ALLOWED_HOSTS of backend {cname(be)} comes from a secret, so it cannot be checked to be non-empty; set it in environment")
    else:
        v = hosts.value
        if isinstance(v, Template):
            literal = "".join(p for p in v.parts if isinstance(p, str))
            if not literal.strip(" ,"):
                say(UNKNOWN, f"DJANGO_ALLOWED_HOSTS of backend {cname(be)} is not known: {explain_unknown(v)}")
        elif is_symbolic(v):
            say(UNKNOWN, f"DJANGO_ALLOWED_HOSTS of backend {cname(be)} is not known: {explain_unknown(v)}")
        elif not (isinstance(v, str) and v.strip(" ,")):
            say(FAIL, f"backend {cname(be)} DJANGO_ALLOWED_HOSTS is empty: Django rejects every request with DEBUG off")

    # DJANGO_DEBUG: false
    debug = plain_value(
        be, "DJANGO_DEBUG", f"backend {cname(be)}",
        'set it to "False" (a required Stage 1 variable; the app\'s default is not visible here)',
    )
    if isinstance(debug, tuple):
        say(*debug)
    else:
        v = debug.value
        text = str(v).strip().lower() if isinstance(v, (str, bool, int)) else None
        if v is False or text in FALSE:
            pass
        elif v is True or text in TRUE:
            say(FAIL, f"backend {cname(be)} runs with DJANGO_DEBUG {show_var(debug, config)}: debug pages leak settings and tracebacks on stage")
        else:
            say(FAIL, f"backend {cname(be)} DJANGO_DEBUG is {show_var(debug, config)}, not a recognized false value (False, false, 0, no, off)")

    if out:
        yield from out
    else:
        yield container_finding(PASS, f"backend {cname(be)} has DJANGO_SECRET_KEY from secrets, DJANGO_ALLOWED_HOSTS set and DJANGO_DEBUG off", task, be)


RULE = Rule(
    id="CTJ032",
    title="Django runtime config",
    severity=ERROR,
    rationale=(
        "The Stage 1 decision (seed 000, Stage 1 variables) declares DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and "
        "DJANGO_DEBUG for the Django container on stage.civictechjobs.org. The secret key must come from secrets "
        "(never plaintext environment), ALLOWED_HOSTS must be non-empty or Django rejects every request, and DEBUG "
        "must be false (False/false/0/no/off). A missing DJANGO_DEBUG fails: it is a required Stage 1 variable and "
        "the application's default is not visible to the plan."
    ),
    remediation=(
        "In the backend container set environment DJANGO_ALLOWED_HOSTS = \"stage.civictechjobs.org\" and "
        "DJANGO_DEBUG = \"False\", and secrets DJANGO_SECRET_KEY with valueFrom = aws_secretsmanager_secret.django.arn."
    ),
    check=check,
)
