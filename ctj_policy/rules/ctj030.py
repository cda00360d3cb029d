"""CTJ030 (warning): NEXT_PUBLIC_* are build-time values."""

from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..model import FAIL, PASS, UNKNOWN, WARNING, Deployment, Finding, is_symbolic
from ..queries import FRONTEND, explain_unknown, items
from .base import Rule
from .common import cname, container_finding, role_scope

PREFIX = "NEXT_PUBLIC_"


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    # nothing to flag without a frontend: the rule forbids, it does not require
    scope = role_scope(deployment, config, FRONTEND, "nothing to check for NEXT_PUBLIC_* variables", missing_status=PASS)
    if scope.finding is not None:
        yield scope.finding
        return
    task, fe = scope.task, scope.container
    assert task is not None and fe is not None
    out: list[Finding] = []
    for attr, where in (("environment", "environment"), ("secrets", "secrets")):
        entries = getattr(fe, attr)
        if is_symbolic(entries):
            out.append(container_finding(UNKNOWN, f"{attr} of frontend {cname(fe)} is not known: {explain_unknown(entries)}", task, fe))
            continue
        for var in items(entries):
            if is_symbolic(var.name):
                out.append(container_finding(UNKNOWN, f"a variable name in the {where} of frontend {cname(fe)} is not known: {explain_unknown(var.name)}", task, fe))
            elif isinstance(var.name, str) and var.name.upper().startswith(PREFIX):
                out.append(container_finding(FAIL, f"frontend {cname(fe)} sets {var.name} in its runtime {where}, where it has no effect: Next.js inlines NEXT_PUBLIC_* at build time; pass it as a docker --build-arg", task, fe))
    if out:
        yield from out
    else:
        yield container_finding(PASS, f"frontend {cname(fe)} sets no NEXT_PUBLIC_* variable at runtime", task, fe)


RULE = Rule(
    id="CTJ030",
    title="NEXT_PUBLIC_* are build-time",
    severity=WARNING,
    rationale=(
        "The Stage 1 decision (seed 001, part 3) notes that Next.js inlines NEXT_PUBLIC_* values into the JS bundle "
        "during npm run build, so setting them at container runtime has no effect: NEXT_PUBLIC_API_URL goes into the "
        "deploy workflow's docker build step as a --build-arg, not into the Terraform container environment. Runtime "
        "secrets are injected the same way as environment and are flagged too. Without a frontend container there is "
        "nothing to flag, so the rule passes (CTJ001 reports the missing container)."
    ),
    remediation=(
        "Remove NEXT_PUBLIC_* entries from the frontend container's environment/secrets and pass them in "
        "deploy-stage.yml's docker build step: --build-arg NEXT_PUBLIC_API_URL=https://stage.civictechjobs.org."
    ),
    check=check,
)
