"""CTJ043: OIDC with the CI/CD role, no static AWS keys (a workflow written inline)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from .builders import CONFIG
from .workflows import at, good, run_case, without_workflow

RULE = "CTJ043"
STEP = "'deploy/step 1'"
ROLE = "incubator-cicd-civic-tech-jobs"
PASS = ("pass", f"{STEP} assumes '{ROLE}' through OIDC (id-token: write), and no static AWS key is given", at(11), "workflow:deploy/step 1")
OIDC = f"long-lived keys are not used; assume '{ROLE}' through OIDC"
CREDENTIALS = f"""\
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/{ROLE}
          aws-region: us-west-2
"""
NO_CREDENTIALS = good().replace(CREDENTIALS, "")
LITERAL_KEY = "AKIAABCDEFGHIJKLMNOP"


def case(name, text, expected, config=CONFIG):
    return pytest.param(text, expected, config, id=name)


CASES = [
    case("role ARN, id-token write", good(), [PASS]),
    case("role by name", good(credentials=f"role-to-assume: {ROLE}"), [PASS]),
    case("another role", good(credentials="role-to-assume: arn:aws:iam::123456789012:role/admin"), [
        ("fail", f"{STEP} assumes role 'admin', not the CI/CD role '{ROLE}'", at(11)),
    ]),
    case("a configured role", good(credentials="role-to-assume: arn:aws:iam::123456789012:role/admin"), [
        ("pass", f"{STEP} assumes 'admin' through OIDC (id-token: write), and no static AWS key is given", at(11), "workflow:deploy/step 1"),
    ], replace(CONFIG, cicd_role="admin")),
    case("a role from a secret is unknown", good(credentials="role-to-assume: ${{ secrets.ROLE_ARN }}"), [
        ("unknown", f"cannot tell which role {STEP} assumes: ${{{{ secrets.ROLE_ARN }}}} is a run-time value", at(11)),
    ]),
    case("a role ARN with a variable part is unknown", good(credentials="role-to-assume: arn:aws:iam::123456789012:role/${{ vars.ROLE }}"), [
        ("unknown", f"cannot tell which role {STEP} assumes: arn:aws:iam::123456789012:role/${{{{ vars.ROLE }}}} is a run-time value", at(11)),
    ]),
    case("a role from an action's output is unknown, saying where it comes from", good().replace(CREDENTIALS, "      - id: role\n        uses: hackforla/pick-role@v1\n" + CREDENTIALS.replace(f"arn:aws:iam::123456789012:role/{ROLE}", "${{ steps.role.outputs.arn }}")), [
        ("unknown", "cannot tell which role 'deploy/step 2' assumes: ${{ steps.role.outputs.arn }} is a run-time value (output 'arn' of step 'role' (an output of hackforla/pick-role))", at(13), "workflow:deploy/step 2"),
    ]),
    case("id-token read", good(id_token="read"), [
        ("fail", f"the id-token permission of the job of {STEP} is 'read' (line 7): assuming a role through OIDC needs `permissions: id-token: write`", at(7)),
    ]),
    case("permissions from an expression: the id-token level is unknown", good().replace("    permissions:\n      id-token: write\n", "    permissions: ${{ fromJSON(vars.PERMISSIONS) }}\n"), [
        ("unknown", f"cannot tell the id-token permission of the job of {STEP}: permissions is unresolved reference (unreadable permissions value at line 6)", at(6), "workflow:deploy/step 1"),
    ]),
    case("two credentials steps, both right", good().replace(CREDENTIALS, CREDENTIALS + CREDENTIALS.replace("us-west-2", "us-east-1")), [
        ("pass", f"{STEP} assumes '{ROLE}' through OIDC (id-token: write), and no static AWS key is given (2 credential steps)", at(11), "workflow:deploy/step 1"),
    ]),
    case("no permissions key", good().replace("    permissions:\n      id-token: write\n", ""), [
        ("fail", f"the id-token permission of the job of {STEP} is not granted (no permissions key names it: it defaults to none): assuming a role through OIDC needs `permissions: id-token: write`", at(7)),
    ]),
    case("static keys from secrets, no role", good(credentials="aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}"), [
        ("fail", f"{STEP} gives a static AWS key (aws-access-key-id, from a secret): {OIDC}", at(11)),
        ("fail", f"{STEP} gives a static AWS key (aws-secret-access-key, from a secret): {OIDC}", at(12)),
        ("fail", f"{STEP} assumes no role (no role-to-assume): the workflow must assume '{ROLE}' through OIDC", at(9)),
    ]),
    case("a literal key beside the role (its value is never shown)", good(credentials=f"role-to-assume: arn:aws:iam::123456789012:role/{ROLE}\n          aws-access-key-id: {LITERAL_KEY}"), [
        ("fail", f"{STEP} gives a static AWS key (aws-access-key-id, from a literal in the file): {OIDC}", at(12)),
    ]),
    case("a key in a step's env", good(frontend_env="{AWS_SECRET_ACCESS_KEY: '${{ secrets.KEY }}'}"), [
        ("fail", f"'deploy/images' gives a static AWS key (AWS_SECRET_ACCESS_KEY, from a secret): {OIDC}", at(16)),
    ]),
    case("no credentials step", NO_CREDENTIALS, [
        ("fail", f"no aws-actions/configure-aws-credentials step assumes the CI/CD role '{ROLE}' through OIDC", at(4), "workflow:deploy.yml"),
    ]),
    case("no credentials step read, but a local action is not read", NO_CREDENTIALS.replace("      - id: ecr", "      - uses: ./.github/actions/aws\n      - id: ecr"), [
        ("unknown", "no aws-actions/configure-aws-credentials step the loader read, but a step is not read: the local action ./.github/actions/aws is not read ('deploy/step 1', line 9)", at(9)),
    ]),
]


@pytest.mark.parametrize(("text", "expected", "config"), CASES)
def test_workflow(text, expected, config, tmp_path):
    run_case(RULE, tmp_path, text, None, expected, config)


def test_without_a_workflow_the_rule_says_it_has_none():
    """The engine does not run a lockstep rule without a workflow; called anyway, it says why it cannot judge."""
    assert without_workflow(RULE) == [("unknown", f"no deploy workflow given: {RULE} judges one with the Terraform (--workflow FILE, or workflows = [...] in the config)", "workflow")]
