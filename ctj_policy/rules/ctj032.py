"""CTJ032: Django runtime configuration."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, FAIL, UNKNOWN, Container, Deployment, Finding, SecretVar, Template, Unknown, is_symbolic
from ..queries import BACKEND, explain_unknown, in_environment, lookup, role_evidence
from .base import CTJ_TASK, TASK, Rule
from .common import cname, env_subject, finding, passed, plain_value, role_scope, show_var

FALSE = ("false", "0", "no", "off")
TRUE = ("true", "1", "yes", "on")


def _secret_key(be: Container) -> tuple[str, str] | None:
    """DJANGO_SECRET_KEY: present, from secrets, never in environment."""
    key = lookup(be, "DJANGO_SECRET_KEY")
    if in_environment(be, "DJANGO_SECRET_KEY") is not None:
        return FAIL, f"backend {cname(be)} sets DJANGO_SECRET_KEY in plaintext environment; move it to secrets"
    if isinstance(key, Unknown):
        return UNKNOWN, f"cannot read DJANGO_SECRET_KEY of backend {cname(be)}: {explain_unknown(key)}"
    if key is None:
        return FAIL, f"backend {cname(be)} does not set DJANGO_SECRET_KEY; add it to secrets"
    return None


def _allowed_hosts(be: Container) -> tuple[str, str] | None:
    """DJANGO_ALLOWED_HOSTS: non-empty."""
    hosts = lookup(be, "DJANGO_ALLOWED_HOSTS")
    if isinstance(hosts, Unknown):
        return UNKNOWN, f"cannot read DJANGO_ALLOWED_HOSTS of backend {cname(be)}: {explain_unknown(hosts)}"
    if hosts is None:
        return FAIL, f"backend {cname(be)} does not set DJANGO_ALLOWED_HOSTS; set it to the stage hostname"
    if isinstance(hosts, SecretVar):
        return UNKNOWN, f"DJANGO_ALLOWED_HOSTS of backend {cname(be)} comes from a secret, so it cannot be checked to be non-empty; set it in environment"
    v = hosts.value
    if isinstance(v, Template):
        literal = "".join(p for p in v.parts if isinstance(p, str))
        if literal.strip(" ,"):
            return None  # some host is known even if the rest is not
        return UNKNOWN, f"DJANGO_ALLOWED_HOSTS of backend {cname(be)} is not known: {explain_unknown(v)}"
    if is_symbolic(v):
        return UNKNOWN, f"DJANGO_ALLOWED_HOSTS of backend {cname(be)} is not known: {explain_unknown(v)}"
    if not (isinstance(v, str) and v.strip(" ,")):
        return FAIL, f"backend {cname(be)} DJANGO_ALLOWED_HOSTS is empty: Django rejects every request with DEBUG off"
    return None


def _debug(be: Container, config: Config) -> tuple[str, str] | None:
    """DJANGO_DEBUG: a false value."""
    fix = 'set it to "False" (a required Stage 1 variable; the app\'s default is not visible here)'
    debug = plain_value(be, "DJANGO_DEBUG", f"backend {cname(be)}", fix)
    if isinstance(debug, tuple):
        return debug
    v = debug.value
    text = str(v).strip().lower() if isinstance(v, (str, bool, int)) else None
    if v is False or text in FALSE:
        return None
    if v is True or text in TRUE:
        return FAIL, f"backend {cname(be)} runs with DJANGO_DEBUG {show_var(debug, config)}: debug pages leak settings and tracebacks on stage"
    return FAIL, f"backend {cname(be)} DJANGO_DEBUG is {show_var(debug, config)}, not a recognized false value (False, false, 0, no, off)"


def _with_context(be: Container, name: str, status: str, message: str, evidence: str) -> str:
    """A failure names the evidence that made the container the backend and, when the container sets
    the legacy name (SECRET_KEY, DEBUG) instead of the DJANGO_ one, says so."""
    if status != FAIL:
        return message
    legacy = name.removeprefix("DJANGO_")
    if legacy != name and f"does not set {name}" in message and lookup(be, legacy) is not None:
        message += f"; it sets {legacy} instead, which the Stage 1 settings do not read: rename it to {name}"
    return message + (f" ({evidence})" if evidence else "")


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    scope = role_scope(deployment, config, BACKEND, "Django's runtime configuration cannot be checked")
    if scope.finding is not None:
        yield scope.finding
        return
    task, be = scope.task, scope.container
    assert task is not None and be is not None
    verdicts = (("DJANGO_SECRET_KEY", _secret_key(be)), ("DJANGO_ALLOWED_HOSTS", _allowed_hosts(be)), ("DJANGO_DEBUG", _debug(be, config)))
    evidence = role_evidence(be, deployment, config)
    out = [
        finding(verdict[0], _with_context(be, name, *verdict, evidence), task, container=be, subject=env_subject(be, name))
        for name, verdict in verdicts
        if verdict is not None
    ]
    yield from out or [passed(f"backend {cname(be)} has DJANGO_SECRET_KEY from secrets, DJANGO_ALLOWED_HOSTS set and DJANGO_DEBUG off", task, container=be)]


BAD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name  = "django"
      image = "django:stage"
      environment = [
        { name = "DJANGO_ALLOWED_HOSTS", value = "" },
        { name = "DJANGO_DEBUG", value = "True" },
      ]
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
      name  = "django"
      image = "django:stage"
      environment = [
        { name = "DJANGO_ALLOWED_HOSTS", value = "stage.civictechjobs.org" },
        { name = "DJANGO_DEBUG", value = "False" },
      ]
      secrets = [{ name = "DJANGO_SECRET_KEY", valueFrom = aws_secretsmanager_secret.django.arn }]
    },
  ])
}
"""


RULE = Rule(
    id="CTJ032",
    title="Django runtime config",
    severity=ERROR,
    summary="Django has `DJANGO_SECRET_KEY` (secret), `DJANGO_ALLOWED_HOSTS`, `DJANGO_DEBUG=False`",
    rationale=(
        "The Stage 1 decision (docs/decision.md#runtime-variables) declares DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and "
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
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_032",
    resource_types=TASK,
    applies_to=CTJ_TASK,
    needs=("backend",),
)
