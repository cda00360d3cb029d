"""CTJ042: NEXT_PUBLIC_* reach the frontend image build as build arguments (a workflow written inline)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctj_policy.model import TaskDefinition

from .builders import CONFIG, ECR_FRONTEND, SCOPE, drop_container, edit, no_task, stage1
from .workflows import ECR, IMAGES_JOB, at, good, model, on_cluster, run_case, without_workflow

RULE = "CTJ042"
BUILD = "the frontend image build 'deploy/images'"
INLINED = "Next.js inlines it at npm run build, so the bundle lacks it"
PASS = ("pass", f"{BUILD} passes NEXT_PUBLIC_API_URL as a build argument", at(20), "workflow:deploy/images")
ENV = "{NEXT_PUBLIC_API_URL: https://stage.civictechjobs.org}"
ACTION = IMAGES_JOB + """\
      - id: frontend
        uses: docker/build-push-action@v6
        with:
          push: true
          file: stage/frontend.Dockerfile
          build-args: |
            {args}
          tags: ${{{{ steps.login.outputs.registry }}}}/civic-tech-jobs-frontend:stage
"""
# a docker build over three lines: the build argument on its own line (12)
CONTINUED = IMAGES_JOB + """\
      - id: frontend
        run: |
          docker build -f stage/frontend.Dockerfile \\
            --build-arg NEXT_PUBLIC_API_URL \\
            -t ${{ steps.login.outputs.registry }}/civic-tech-jobs-frontend:stage .
"""
TWO_NAMES = replace(CONFIG, next_public_build_args=("NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_SITE_URL"))


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
    # mutation testing (issue 14)
    case("--build-arg NAME, unset in the environment: at the argument's line", CONTINUED, [
        ("fail", "the frontend image build 'images/frontend' names --build-arg NEXT_PUBLIC_API_URL without a value, and the step's environment does not set it: the build never sees it", at(12)),
    ]),
    case("no frontend image built: every configured name", good(frontend=f"{ECR}/civic-tech-jobs-backend:stage2"), [
        ("fail", "the workflow builds no frontend image (civic-tech-jobs-frontend), so NEXT_PUBLIC_API_URL, NEXT_PUBLIC_SITE_URL is never passed at build time", at(4), "workflow:deploy.yml"),
    ], TWO_NAMES),
    case("every configured name passed: one summary", good(build_args="--build-arg NEXT_PUBLIC_API_URL=x --build-arg NEXT_PUBLIC_SITE_URL=y"), [
        ("pass", "the frontend image build passes NEXT_PUBLIC_API_URL, NEXT_PUBLIC_SITE_URL as build argument(s) (1 build(s))", at(20), "workflow:deploy/images"),
    ], TWO_NAMES),
    case("a build that may be the frontend's passes it, and a script is not read: the build is named",
         good(frontend="${{ vars.FRONTEND_IMAGE }}", extra="\n          ./scripts/build-frontend.sh"), [
             ("unknown", "no build the loader read tags the frontend image (civic-tech-jobs-frontend), but 'deploy/images' may build it", at(20)),
         ]),
    case("a build that may be the frontend's passes it", good(frontend="${{ vars.FRONTEND_IMAGE }}"), [
        ("unknown", "no build the loader read tags the frontend image (civic-tech-jobs-frontend), but 'deploy/images' may build it", at(20)),
    ]),
    case("a build the loader cannot read and none it can", good(frontend=f"{ECR}/civic-tech-jobs-backend:stage2", extra="\n          ./scripts/build-frontend.sh"), [
        ("unknown", "no build the loader read tags the frontend image (civic-tech-jobs-frontend), but the script ./scripts/build-frontend.sh is not read ('deploy/images', line 22) may build it", at(22)),
    ]),
]


@pytest.mark.parametrize(("text", "expected", "config"), CASES)
def test_workflow(text, expected, config, tmp_path):
    run_case(RULE, tmp_path, text, None, expected, config)


WEB = "123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-web:stage"
WORKER = f"{SCOPE}.aws_ecs_task_definition.worker"


def web_repository(dep):
    """The frontend ECR repository named civic-tech-jobs-web (the symbolic task image pulls it by reference)."""
    dep.ecr_repositories = [replace(r, name="civic-tech-jobs-web") if r.address == ECR_FRONTEND else r for r in dep.ecr_repositories]
    return dep


def second_task(dep):
    """A second task definition with no container, first in the list: the CTJ task is the one with the roles."""
    dep.task_definitions.insert(0, TaskDefinition(WORKER, family="ctj-worker", containers=()))
    return dep


def model_case(name, text, build, expected):
    return pytest.param(text, build, expected, id=name)


WEB_PASS = ("pass", f"{BUILD} passes NEXT_PUBLIC_API_URL as a build argument", at(20))
# which builds are the frontend's: the configured repository's, and the one the task's frontend container pulls (from ECR)
MODEL_CASES = [
    model_case("the repository the frontend container pulls", good(frontend=f"{ECR}/civic-tech-jobs-web:stage"), lambda: edit(model(), "nextjs", image=WEB), [WEB_PASS]),
    model_case("the repository the frontend container pulls by reference", good(frontend=f"{ECR}/civic-tech-jobs-web:stage"),
               lambda: web_repository(on_cluster(stage1(True))), [WEB_PASS]),
    model_case("the repository a frontend of no telling name pulls by reference (its role from its resolved image and port)",
               good(frontend=f"{ECR}/civic-tech-jobs-web:stage"), lambda: edit(web_repository(on_cluster(stage1(True))), "nextjs", name="ui"), [WEB_PASS]),
    model_case("neither the configured nor the pulled repository built", good(frontend=f"{ECR}/civic-tech-jobs-backend:stage2"), lambda: edit(model(), "nextjs", image=WEB), [
        ("fail", "the workflow builds no frontend image (civic-tech-jobs-frontend, civic-tech-jobs-web), so NEXT_PUBLIC_API_URL is never passed at build time", at(4)),
    ]),
    model_case("the pulled repository, with two task definitions", good(frontend=f"{ECR}/civic-tech-jobs-web:stage"),
               lambda: second_task(edit(model(), "nextjs", image=WEB)), [WEB_PASS]),
    model_case("a frontend pulled from another registry: an ECR repository of the same path is not its build",
               good(extra=f"\n          docker build -t {ECR}/hackforla/web:stage ."), lambda: edit(model(), "nextjs", image="ghcr.io/hackforla/web:stage"), [PASS]),
    model_case("no frontend container: the configured repository", good(), lambda: drop_container(model(), "nextjs"), [PASS]),
    model_case("no task: the configured repository", good(), lambda: no_task(model()), [PASS]),
]


@pytest.mark.parametrize(("text", "build", "expected"), MODEL_CASES)
def test_frontend_repositories(text, build, expected, tmp_path):
    run_case(RULE, tmp_path, text, build, expected)


def test_without_a_workflow_the_rule_says_it_has_none():
    """The engine does not run a lockstep rule without a workflow; called anyway, it says why it cannot judge."""
    assert without_workflow(RULE) == [("unknown", f"no deploy workflow given: {RULE} judges one with the Terraform (--workflow FILE, or workflows = [...] in the config)", "workflow")]
