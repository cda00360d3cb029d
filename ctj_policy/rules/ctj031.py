"""CTJ031: no plaintext secrets in container environments."""

from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..model import ERROR, FAIL, UNKNOWN, Deployment, Finding, is_symbolic
from ..queries import explain_unknown, items
from .base import Rule
from .common import cname, container_finding, finish, plural, undecided


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    out: list[Finding] = []
    count = 0
    for task in deployment.task_definitions:
        if is_symbolic(task.containers):
            out.append(undecided(f"cannot check the container environments of {task.address}: {explain_unknown(task.containers)}", task))
            continue
        for c in items(task.containers):
            count += 1
            if is_symbolic(c.environment):
                out.append(container_finding(UNKNOWN, f"environment of {cname(c)} in {task.address} is not known: {explain_unknown(c.environment)}", task, c))
                continue
            for var in items(c.environment):
                if is_symbolic(var.name):
                    out.append(container_finding(UNKNOWN, f"a variable name in the environment of {cname(c)} is not known: {explain_unknown(var.name)}", task, c))
                elif config.is_secret_name(var.name):
                    out.append(container_finding(FAIL, f"container {cname(c)} holds secret-looking {var.name} in plaintext environment; move it to secrets (valueFrom a Secrets Manager secret)", task, c))
                elif var.sensitive:
                    out.append(container_finding(FAIL, f"container {cname(c)} holds {var.name}, whose value is marked sensitive, in plaintext environment; move it to secrets", task, c))
    yield from finish(out, f"no secret-looking or sensitive value in the environment of {plural(count, 'container')}")


RULE = Rule(
    id="CTJ031",
    title="no plaintext secrets",
    severity=ERROR,
    rationale=(
        "The Stage 1 decision (seed 001, part 4) leaves credential sourcing to DevOps (random_password, Secrets "
        "Manager), but today's stage puts SECRET_KEY = random_password.cookie_key.result in the plaintext "
        "container_environment, where the task definition, the console and every plan show it. A variable whose name "
        "looks secret (PASSWORD, SECRET, TOKEN, *_KEY, ...) or whose value the plan marks sensitive belongs in the "
        "container's secrets. Every container of every task definition in scope is checked; the value is never shown."
    ),
    remediation=(
        "Move the variable from environment to secrets: store it in an aws_secretsmanager_secret(_version) and "
        "reference it with secrets = [{ name = \"DJANGO_SECRET_KEY\", valueFrom = aws_secretsmanager_secret.django.arn }]."
    ),
    check=check,
)
