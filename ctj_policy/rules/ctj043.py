"""CTJ043: the workflow assumes the CI/CD role through OIDC; no static AWS keys."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, FAIL, PASS, UNKNOWN, Deployment, Finding, Unknown
from ..workflow_model import AwsCredentials
from .base import Rule
from .lockstep import (
    ANY_GAPS,
    anchor,
    at,
    describe_gaps,
    gaps,
    no_workflow,
    problems_or_pass,
    where,
    whole,
    why_not_known,
)

_SOURCES = {"secret": "a secret", "variable": "a repository variable", "literal": "a literal in the file", "expression": "an expression"}


def _judge(cred: AwsCredentials, role: str) -> list[Finding]:
    origin = cred.origin
    out = []
    name = cred.role_name
    if cred.role_to_assume is None:
        out.append(at(FAIL, f"{where(origin)} assumes no role (no role-to-assume): the workflow must assume '{role}' through OIDC", origin))
    elif not isinstance(name, str):
        out.append(at(UNKNOWN, f"cannot tell which role {where(origin)} assumes: {why_not_known(name)}", origin, cred.role_line))
    elif name != role:
        out.append(at(FAIL, f"{where(origin)} assumes role '{name}', not the CI/CD role '{role}'", origin, cred.role_line))
    level = cred.id_token
    line = cred.id_token_line or origin.line
    if isinstance(level, Unknown):
        out.append(at(UNKNOWN, f"cannot tell the id-token permission of the job of {where(origin)}: {level.describe()}", origin, line))
    elif level != "write":
        stated = f"is '{level}' (line {line})" if cred.id_token_line else "is not granted (no permissions key names it: it defaults to none)"
        out.append(at(FAIL, f"the id-token permission of the job of {where(origin)} {stated}: assuming a role through OIDC needs `permissions: id-token: write`", origin, line))
    return out


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    workflows = deployment.workflows
    if not workflows:
        yield no_workflow("CTJ043")
        return
    role = config.cicd_role
    findings = []
    for wf in workflows:
        for key in wf.static_keys:
            origin = key.origin
            findings.append(at(FAIL, f"{where(origin)} gives a static AWS key ({key.name}, from {_SOURCES.get(key.source, key.source)}): long-lived keys are not used; assume '{role}' through OIDC", origin))
    creds = [c for wf in workflows for c in wf.credentials]
    for cred in creds:
        findings.extend(_judge(cred, role))
    if not creds:
        unread = gaps(workflows, ANY_GAPS)
        if unread:
            findings.append(at(UNKNOWN, f"no aws-actions/configure-aws-credentials step the loader read, but a step is not read: {describe_gaps(unread)}", unread[0].origin))
        else:
            findings.append(at(FAIL, f"no aws-actions/configure-aws-credentials step assumes the CI/CD role '{role}' through OIDC", anchor(workflows), subject=whole(workflows)))
    first = creds[0] if creds else None
    passing = at(PASS, f"{where(first.origin)} assumes '{role}' through OIDC (id-token: write), and no static AWS key is given"
                 + (f" ({len(creds)} credential steps)" if len(creds) > 1 else ""), first.origin, first.role_line) if first else None
    yield from problems_or_pass(findings, passing)  # without a credentials step there is a finding: passing is not used


BAD = """\
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
          aws-region: us-west-2
"""

GOOD = """\
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
      contents: read
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/incubator-cicd-civic-tech-jobs
          aws-region: us-west-2
"""


RULE = Rule(
    id="CTJ043",
    title="OIDC, no static keys",
    severity=ERROR,
    summary="the deploy workflow's `aws-actions/configure-aws-credentials` assumes the configured role (default `incubator-cicd-civic-tech-jobs`) with `id-token: write`; static AWS keys fail",
    rationale=(
        "The deploy workflow changes in lockstep with the Terraform (docs/decision.md#lockstep-with-the-deploy-workflow), "
        "and the Terraform grants the workflow its AWS access through the CI/CD integration role that today's deploy "
        "already assumes (docs/decision.md#todays-deployment): short-lived credentials from GitHub's OIDC token, scoped "
        "to that role. Long-lived access keys in repository secrets (as an older CTJ workflow used) outlive a leak and "
        "are not rotated. OIDC needs the job token's `id-token: write` permission; without a permissions key it is "
        "none. A role the workflow computes at run time is unknown; the key values are never read or printed."
    ),
    remediation=(
        "Use aws-actions/configure-aws-credentials with role-to-assume: arn:aws:iam::<account>:role/"
        "incubator-cicd-civic-tech-jobs, give the job `permissions: id-token: write` (and contents: read), and delete "
        "the aws-access-key-id / aws-secret-access-key inputs, AWS_* key variables and the repository secrets."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    needs_workflow=True,
)
