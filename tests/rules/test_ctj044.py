"""CTJ044: the workflow builds and pushes no Postgres image (a workflow written inline)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctj_policy.model import EcrRepository, Ref, Template
from ctj_policy.workflow_model import Workflow

from .builders import SCOPE, drop_container, edit, loc, no_task
from .workflows import ECR, at, attach, good, model, rows, run_case, without_workflow

RULE = "CTJ044"
IMAGES = "'deploy/images'"
PASS = ("pass", "the workflow builds 2 image(s) (civic-tech-jobs-backend, civic-tech-jobs-frontend) and none is Postgres", at(4), "workflow:deploy.yml")
NEVER_BUILT = "the task runs the upstream postgres image, which is never built"
NOT_THEIRS = "the task pulls the upstream image, not one of the workflow's"
STORE_URL = "123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-store:stage"
ECR_STORE = f"{SCOPE}.aws_ecr_repository.store"
PULLS_STORE = "its repository 'civic-tech-jobs-store' is the one the task's database container pulls"
BUILD_STORE = f"docker build -t {ECR}/civic-tech-jobs-store:stage ."


def more(*lines: str) -> str:
    return "".join("\n          " + line for line in lines)


def case(name, extra, expected, build=None):
    return pytest.param(extra, build, expected, id=name)


def pass_with(count, *repos):
    return ("pass", f"the workflow builds {count} image(s) ({', '.join(repos)}) and none is Postgres", at(4), "workflow:deploy.yml")


def store_db():
    """The database container pulls the private ECR repository civic-tech-jobs-store."""
    return edit(model(), "postgres", image=STORE_URL)


def store_db_by_reference():
    """The database container, named 'store' (no role by name), pulls an ECR repository of the plan by reference:
    only the plan's repository tells its image, and its POSTGRES_* variables and health check its role."""
    dep = edit(model(), "postgres", name="store", image=Template((Ref(ECR_STORE, "repository_url"), ":stage")))
    dep.ecr_repositories.append(EcrRepository(ECR_STORE, name="civic-tech-jobs-store", repository_url=Ref(ECR_STORE, "repository_url"), location=loc(1, "store.tf")))
    return dep


def store_db_and_a_second_task():
    """store_db(), and a second task definition (CTJ001 fails) with the backend only: the CTJ task is the one with
    the most roles."""
    dep = store_db()
    t = dep.task_definitions[0]
    dep.task_definitions.insert(0, replace(t, address=f"{SCOPE}.aws_ecs_task_definition.a_migrate", containers=t.containers[:1]))
    return dep


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
    case("two steps not read", more("docker compose build", "docker compose push"), [
        ("unknown", "no Postgres image among the builds the loader read, but a step is not read: 'docker compose build' builds or pushes compose services; it is not read ('deploy/images', line 22) (and 1 more)", at(22)),
    ]),
    # the words of the upstream image names that are not Postgres (docker, library, io, public, ecr, aws)
    case("a Dockerfile under docker/, a repository under library/", more(f"docker build -f docker/backend.Dockerfile -t {ECR}/library/civic-tech-jobs-api:stage ."), [
        pass_with(3, "civic-tech-jobs-backend", "civic-tech-jobs-frontend", "library/civic-tech-jobs-api"),
    ]),
    case("public images mirrored into ECR repositories named after their registries", more(
        "docker pull public.ecr.aws/docker/library/nginx:1.27",
        f"docker tag public.ecr.aws/docker/library/nginx:1.27 {ECR}/public.ecr.aws/docker/library/nginx:1.27",
        f"docker push {ECR}/public.ecr.aws/docker/library/nginx:1.27",
        "docker pull docker.io/library/redis:7",
        f"docker tag docker.io/library/redis:7 {ECR}/docker.io/library/redis:7",
        f"docker push {ECR}/docker.io/library/redis:7",
    ), [
        pass_with(2, "civic-tech-jobs-backend", "civic-tech-jobs-frontend", "docker.io/library/redis", "public.ecr.aws/docker/library/nginx"),
    ]),
    case("a build target named after Postgres", more(f"docker build --target postgres -t {ECR}/civic-tech-jobs-api:stage ."), [
        ("fail", f"{IMAGES} builds a Postgres image (its target 'postgres' names postgres): {NEVER_BUILT}", at(22), "workflow:deploy/images"),
    ]),
    case("an ECR repository library/postgres (the task's database pulls Docker Hub's, not it)", more(f"docker build -t {ECR}/library/postgres:stage ."), [
        ("fail", f"{IMAGES} builds a Postgres image (its repository 'library/postgres' names postgres): {NEVER_BUILT}", at(22)),
    ]),
    case("a build with no tag", more("docker build -f stage/worker.Dockerfile ."), [
        ("unknown", f"cannot tell whether {IMAGES} builds a Postgres image: its image (no tag) is known only when the workflow runs", at(22)),
    ]),
    case("a Postgres Dockerfile built with no tag", more("docker build -f stage/postgres.Dockerfile ."), [
        ("fail", f"{IMAGES} builds a Postgres image (its Dockerfile 'stage/postgres.Dockerfile' names postgres): {NEVER_BUILT}", at(22)),
    ]),
    case("several tags, one named at run time", more(f"docker build -t {ECR}/civic-tech-jobs-api:stage -t ${{{{ vars.IMAGE }}}} ."), [
        ("unknown", f"cannot tell whether {IMAGES} builds a Postgres image: its image ({ECR}/civic-tech-jobs-api:stage, ${{{{ vars.IMAGE }}}}) is known only when the workflow runs", at(22)),
    ]),
    case("a push of an image named at run time, built elsewhere", more("docker push ${{ vars.IMAGE }}"), [
        ("unknown", f"cannot tell whether {IMAGES} pushes a Postgres image: ${{{{ vars.IMAGE }}}} is known only when the workflow runs", at(22), "workflow:deploy/images"),
    ]),
    case("a push of an image named at run time, its name on the next line", more("docker push \\", "  ${{ vars.IMAGE }}"), [
        ("unknown", f"cannot tell whether {IMAGES} pushes a Postgres image: ${{{{ vars.IMAGE }}}} is known only when the workflow runs", at(23)),
    ]),
    case("a push of a Postgres repository, its name on the next line", more("docker push \\", f"  {ECR}/civic-tech-jobs-postgres:stage"), [
        ("fail", f"{IMAGES} pushes a Postgres image {ECR}/civic-tech-jobs-postgres:stage (its repository 'civic-tech-jobs-postgres' names postgres): {NOT_THEIRS}", at(23)),
    ]),
    case("an image named at run time beside a step not read (both unknown)", more("docker build -t ${{ vars.IMAGE }} .", "docker compose build"), [
        ("unknown", f"cannot tell whether {IMAGES} builds a Postgres image: its image (${{{{ vars.IMAGE }}}}) is known only when the workflow runs", at(22)),
        ("unknown", "no Postgres image among the builds the loader read, but a step is not read: 'docker compose build' builds or pushes compose services; it is not read ('deploy/images', line 23)", at(23)),
    ]),
    case("a built image re-tagged into a Postgres repository and pushed", more(
        f"docker tag {ECR}/civic-tech-jobs-backend:stage {ECR}/civic-tech-jobs-postgres:stage",
        f"docker push {ECR}/civic-tech-jobs-postgres:stage",
    ), [
        ("fail", f"{IMAGES} pushes a Postgres image {ECR}/civic-tech-jobs-postgres:stage (its repository 'civic-tech-jobs-postgres' names postgres): {NOT_THEIRS}", at(23)),
    ]),
    case("a Postgres build and push, then the upstream image re-tagged and pushed (both reported)", more(
        f"docker build -t {ECR}/civic-tech-jobs-postgres:stage .",
        f"docker push {ECR}/civic-tech-jobs-postgres:stage",
        "docker pull postgres:18.1",
        f"docker tag postgres:18.1 {ECR}/civic-tech-jobs-store:stage",
        f"docker push {ECR}/civic-tech-jobs-store:stage",
    ), [
        ("fail", f"{IMAGES} builds a Postgres image (its repository 'civic-tech-jobs-postgres' names postgres): {NEVER_BUILT}", at(22)),
        ("fail", f"{IMAGES} pushes a Postgres image {ECR}/civic-tech-jobs-store:stage (it re-tags the upstream image 'postgres:18.1'): {NOT_THEIRS}", at(26)),
    ]),
    case("a pulled image re-tagged and pushed to a repository no build tags", more(
        "docker pull ghcr.io/hackforla/api:1",
        f"docker tag ghcr.io/hackforla/api:1 {ECR}/civic-tech-jobs-api:stage",
        f"docker push {ECR}/civic-tech-jobs-api:stage",
    ), [
        pass_with(2, "civic-tech-jobs-api", "civic-tech-jobs-backend", "civic-tech-jobs-frontend"),
    ]),
    case("a pulled image pushed to the repository the task's database pulls", more(
        "docker pull ghcr.io/hackforla/store:1",
        f"docker tag ghcr.io/hackforla/store:1 {ECR}/civic-tech-jobs-store:stage",
        f"docker push {ECR}/civic-tech-jobs-store:stage",
    ), [
        ("fail", f"{IMAGES} pushes a Postgres image {ECR}/civic-tech-jobs-store:stage ({PULLS_STORE}): {NOT_THEIRS}", at(24)),
    ], store_db),
    case("the database pulls a repository of the plan by reference", more(BUILD_STORE), [
        ("fail", f"{IMAGES} builds a Postgres image ({PULLS_STORE}): {NEVER_BUILT}", at(22)),
    ], store_db_by_reference),
    case("two task definitions: the database of the one with the most roles", more(BUILD_STORE), [
        ("fail", f"{IMAGES} builds a Postgres image ({PULLS_STORE}): {NEVER_BUILT}", at(22)),
    ], store_db_and_a_second_task),
    case("no task definition: no database repository", more(BUILD_STORE), [
        pass_with(3, "civic-tech-jobs-backend", "civic-tech-jobs-frontend", "civic-tech-jobs-store"),
    ], lambda: no_task(model())),
    case("no database container: no database repository", more(BUILD_STORE), [
        pass_with(3, "civic-tech-jobs-backend", "civic-tech-jobs-frontend", "civic-tech-jobs-store"),
    ], lambda: drop_container(model(), "postgres")),
]


NO_BUILDS = """\
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: aws ecs update-service --cluster incubator-prod --service civic-tech-jobs-stage --force-new-deployment
"""


def test_a_workflow_that_builds_nothing(tmp_path):
    run_case(RULE, tmp_path, NO_BUILDS, None, [("pass", "the workflow builds 0 image(s) (none) and none is Postgres", at(2), "workflow:deploy.yml")])


@pytest.mark.parametrize(("extra", "build", "expected"), CASES)
def test_workflow(extra, build, expected, tmp_path):
    run_case(RULE, tmp_path, good(extra=extra), build, expected)


def test_a_workflow_without_jobs():
    """A finding about a workflow with no jobs goes to its first line.  The loader always makes a job (it refuses a
    file without one), so the model's Workflow is built by hand."""
    dep = model()
    dep.workflows.append(Workflow("/ci/deploy.yml"))
    assert rows(RULE, dep, subjects=True) == [("pass", "the workflow builds 0 image(s) (none) and none is Postgres", at(1), "workflow:deploy.yml")]


def test_two_workflows_are_one_subject(tmp_path):
    """Judged together: the pass is about both files (the subject names each) and lists the images of both."""
    dep = attach(good(), tmp_path)
    other = NO_BUILDS.replace("      - run:", f"      - run: docker build -t {ECR}/civic-tech-jobs-api:stage .\n      - run:")
    dep = attach(other, tmp_path, dep, name="other.yml")
    assert rows(RULE, dep, subjects=True) == [
        ("pass", "the workflow builds 3 image(s) (civic-tech-jobs-api, civic-tech-jobs-backend, civic-tech-jobs-frontend) and none is Postgres", at(4), "workflow:deploy.yml, other.yml"),
    ]


def test_without_a_workflow_the_rule_says_it_has_none():
    """The engine does not run a lockstep rule without a workflow; called anyway, it says why it cannot judge."""
    assert without_workflow(RULE) == [("unknown", f"no deploy workflow given: {RULE} judges one with the Terraform (--workflow FILE, or workflows = [...] in the config)", "workflow")]
