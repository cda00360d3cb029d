"""CTJ044: the workflow builds and pushes no Postgres image (a workflow written inline)."""

from __future__ import annotations

import pytest

from .builders import edit
from .workflows import ECR, at, good, model, run_case, without_workflow

RULE = "CTJ044"
IMAGES = "'deploy/images'"
PASS = ("pass", "the workflow builds 2 image(s) (civic-tech-jobs-backend, civic-tech-jobs-frontend) and none is Postgres", at(4), "workflow:deploy.yml")
NEVER_BUILT = "the task runs the upstream postgres image, which is never built"


def more(*lines: str) -> str:
    return "".join("\n          " + line for line in lines)


def case(name, extra, expected, build=None):
    return pytest.param(extra, build, expected, id=name)


CASES = [
    case("two images, neither Postgres", "", [PASS]),
    case("a repository named after Postgres", more(f"docker build -f stage/db.Dockerfile -t {ECR}/civic-tech-jobs-postgres:stage ./stage", f"docker push {ECR}/civic-tech-jobs-postgres:stage"), [
        ("fail", f"{IMAGES} builds a Postgres image (its repository 'civic-tech-jobs-postgres' names postgres): {NEVER_BUILT}", at(22)),
    ]),
    case("a Postgres Dockerfile", more(f"docker build -f stage/postgres.Dockerfile -t {ECR}/civic-tech-jobs-data:stage ."), [
        ("fail", f"{IMAGES} builds a Postgres image (its Dockerfile 'stage/postgres.Dockerfile' names postgres): {NEVER_BUILT}", at(22)),
    ]),
    case("the upstream image re-tagged and pushed", more("docker pull postgres:18.1", f"docker tag postgres:18.1 {ECR}/civic-tech-jobs-store:stage", f"docker push {ECR}/civic-tech-jobs-store:stage"), [
        ("fail", f"{IMAGES} pushes a Postgres image {ECR}/civic-tech-jobs-store:stage (it re-tags the upstream image 'postgres:18.1'): the task pulls the upstream image, not one of the workflow's", at(24)),
    ]),
    case("the repository the task's database pulls", more(f"docker build -t {ECR}/civic-tech-jobs-store:stage ."), [
        ("fail", f"{IMAGES} builds a Postgres image (its repository 'civic-tech-jobs-store' is the one the task's database container pulls): {NEVER_BUILT}", at(22)),
    ], lambda: edit(model(), "postgres", image="123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-store:stage")),
    case("an image named at run time", more("docker build -t ${{ vars.IMAGE }} ."), [
        ("unknown", f"cannot tell whether {IMAGES} builds a Postgres image: its image (${{{{ vars.IMAGE }}}}) is known only when the workflow runs", at(22)),
    ]),
    case("a compose build the loader does not read", more("docker compose build"), [
        ("unknown", "no Postgres image among the builds the loader read, but a step is not read: 'docker compose build' builds or pushes compose services; it is not read ('deploy/images', line 22)", at(22)),
    ]),
]


@pytest.mark.parametrize(("extra", "build", "expected"), CASES)
def test_workflow(extra, build, expected, tmp_path):
    run_case(RULE, tmp_path, good(extra=extra), build, expected)


def test_without_a_workflow_the_rule_says_it_has_none():
    """The engine does not run a lockstep rule without a workflow; called anyway, it says why it cannot judge."""
    assert without_workflow(RULE) == [("unknown", f"no deploy workflow given: {RULE} judges one with the Terraform (--workflow FILE, or workflows = [...] in the config)", "workflow")]
