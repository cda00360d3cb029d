"""CTJ042: NEXT_PUBLIC_* reach the frontend image build as build arguments (a workflow written inline)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from .builders import CONFIG
from .workflows import ECR, at, good, run_case, without_workflow

RULE = "CTJ042"
BUILD = "the frontend image build 'deploy/images'"
INLINED = "Next.js inlines it at npm run build, so the bundle lacks it"
PASS = ("pass", f"{BUILD} passes NEXT_PUBLIC_API_URL as a build argument", at(20), "workflow:deploy/images")
ENV = "{NEXT_PUBLIC_API_URL: https://stage.civictechjobs.org}"
ACTION = """\
name: deploy-stage
on: push
jobs:
  images:
    runs-on: ubuntu-latest
    steps:
      - id: login
        uses: aws-actions/amazon-ecr-login@v2
      - id: frontend
        uses: docker/build-push-action@v6
        with:
          push: true
          file: stage/frontend.Dockerfile
          build-args: |
            {args}
          tags: ${{{{ steps.login.outputs.registry }}}}/civic-tech-jobs-frontend:stage
"""


def case(name, text, expected, config=CONFIG):
    return pytest.param(text, expected, config, id=name)


CASES = [
    case("--build-arg NAME=value", good(), [PASS]),
    case("--build-arg NAME with the step's env setting it", good(build_args="--build-arg NEXT_PUBLIC_API_URL", frontend_env=ENV), [PASS]),
    case("a value from a secret is passed (the value is not judged)", good(build_args="--build-arg NEXT_PUBLIC_API_URL=${{ secrets.API_URL }}"), [PASS]),
    case("two frontend builds, both passing: one summary at the first", good(extra=f"\n          docker build -f stage/frontend.Dockerfile --build-arg NEXT_PUBLIC_API_URL=x -t {ECR}/civic-tech-jobs-frontend:v2 ."), [
        ("pass", "the frontend image build passes NEXT_PUBLIC_API_URL as build argument(s) (2 build(s))", at(20), "workflow:deploy/images"),
    ]),
    case("build-push-action build-args", ACTION.format(args="NEXT_PUBLIC_API_URL=https://stage.civictechjobs.org"), [
        ("pass", "the frontend image build 'images/frontend' passes NEXT_PUBLIC_API_URL as a build argument", at(15)),
    ]),
    case("build-push-action without it", ACTION.format(args="NODE_ENV=production"), [
        ("fail", f"the frontend image build 'images/frontend' does not pass NEXT_PUBLIC_API_URL as a build argument: {INLINED}", at(9)),
    ]),
    case("only in the step's env", good(build_args="", frontend_env=ENV), [
        ("fail", f"{BUILD} does not pass NEXT_PUBLIC_API_URL as a build argument; it is only in the step's env, which docker build does not hand to the build: {INLINED}", at(20)),
    ]),
    case("not passed at all", good(build_args=""), [
        ("fail", f"{BUILD} does not pass NEXT_PUBLIC_API_URL as a build argument: {INLINED}", at(20)),
    ]),
    case("--build-arg NAME, unset in the environment", good(build_args="--build-arg NEXT_PUBLIC_API_URL"), [
        ("fail", f"{BUILD} names --build-arg NEXT_PUBLIC_API_URL without a value, and the step's environment does not set it: the build never sees it", at(20)),
    ]),
    case("arguments the loader cannot read may pass it", good(build_args="$EXTRA_ARGS"), [
        ("unknown", f"{BUILD} does not visibly pass NEXT_PUBLIC_API_URL, but some of its arguments are not known (<$EXTRA_ARGS>) and may pass it", at(20)),
    ]),
    case("no frontend image built", good(frontend=f"{ECR}/civic-tech-jobs-backend:stage2"), [
        ("fail", "the workflow builds no frontend image (civic-tech-jobs-frontend), so NEXT_PUBLIC_API_URL is never passed at build time", at(4), "workflow:deploy.yml"),
    ]),
    case("a build whose repository is a run-time value", good(frontend="${{ vars.FRONTEND_IMAGE }}", build_args=""), [
        ("unknown", f"the image build 'deploy/images' (its repository is known only at run time: it may be the frontend's) does not pass NEXT_PUBLIC_API_URL as a build argument: {INLINED}", at(20)),
    ]),
    case("every configured name", good(), [
        ("fail", f"{BUILD} does not pass NEXT_PUBLIC_SITE_URL as a build argument: {INLINED}", at(20)),
    ], replace(CONFIG, next_public_build_args=("NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_SITE_URL"))),
    case("no name configured passes", good(build_args=""), [
        ("pass", "no NEXT_PUBLIC_* build argument is configured (next-public-build-args is empty)", at(4), "workflow:deploy.yml"),
    ], replace(CONFIG, next_public_build_args=())),
    case("a build the loader cannot read and none it can", good(frontend=f"{ECR}/civic-tech-jobs-backend:stage2", extra="\n          ./scripts/build-frontend.sh"), [
        ("unknown", "no build the loader read tags the frontend image (civic-tech-jobs-frontend), but the script ./scripts/build-frontend.sh is not read ('deploy/images', line 22) may build it", at(22)),
    ]),
]


@pytest.mark.parametrize(("text", "expected", "config"), CASES)
def test_workflow(text, expected, config, tmp_path):
    run_case(RULE, tmp_path, text, None, expected, config)


def test_without_a_workflow_the_rule_says_it_has_none():
    """The engine does not run a lockstep rule without a workflow; called anyway, it says why it cannot judge."""
    assert without_workflow(RULE) == [("unknown", f"no deploy workflow given: {RULE} judges one with the Terraform (--workflow FILE, or workflows = [...] in the config)", "workflow")]
