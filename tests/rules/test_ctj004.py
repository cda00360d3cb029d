"""CTJ004: ECR repositories for the frontend and backend (none for Postgres), and the images come from them."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    UNRESOLVED,
    EcrRepository,
    Ref,
    Template,
    Unknown,
)

from .builders import (
    AFTER_APPLY,
    AT_DJANGO,
    AT_NEXTJS,
    AT_TASK,
    ECR_BACKEND,
    ECR_FRONTEND,
    HINT,
    REGISTRY,
    SCOPE,
    TASK,
    case,
    chain,
    edit,
    findings,
    hcl_findings,
    loc,
    no_task,
    renamed,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
)

RULE = "CTJ004"
PASS = ("pass", "ECR repositories 'civic-tech-jobs-frontend' and 'civic-tech-jobs-backend' are in scope, none for Postgres, and the frontend and backend images come from them")


def without_repo(address):
    def mutate(dep):
        dep.ecr_repositories = [r for r in dep.ecr_repositories if r.address != address]
        return dep

    return mutate


AT_EXTRA_REPO = str(loc(7, "projects/civic-tech-jobs/ecr.tf"))


def with_repo(name, address=f"{SCOPE}.aws_ecr_repository.pg", located=False):
    def mutate(dep):
        dep.ecr_repositories.append(EcrRepository(address, name=name, location=loc(7, "projects/civic-tech-jobs/ecr.tf") if located else None))
        return dep

    return mutate


ECR_MODULE = f"{SCOPE}.module.civic_tech_jobs_ecr_backend"


def on_repo_url(address, url):
    def mutate(dep):
        next(r for r in dep.ecr_repositories if r.address == address).repository_url = url
        return dep

    return mutate


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), PASS),
    case("stage1 literal URLs", chain(), PASS),
    case("stage1 Template from the ECR repository_url Ref", chain(symbolic=True), PASS),
    case("image Ref alone", chain(lambda d: edit(d, "django", image=Ref(ECR_BACKEND, "repository_url")), symbolic=True), PASS),
    case("image Ref to the repository itself (no attribute)", chain(lambda d: edit(d, "django", image=Ref(ECR_BACKEND)), symbolic=True), PASS),
    case(
        "repository_url from the ECR module's output, image from the same output",
        chain(on_repo_url(ECR_BACKEND, Ref(ECR_MODULE, "repository_url")), lambda d: edit(d, "django", image=Template((Ref(ECR_MODULE, "repository_url"), ":stage"))), symbolic=True),
        PASS,
    ),
    case("image by digest from the repository URL", chain(lambda d: edit(d, "django", image=f"{REGISTRY}/civic-tech-jobs-backend@sha256:" + "c" * 64)), PASS),
    case("frontend repository missing", chain(without_repo(ECR_FRONTEND)), ("fail", "no ECR repository 'civic-tech-jobs-frontend' in scope; the frontend image needs its own repository")),
    case("postgres repository", chain(with_repo("civic-tech-jobs-postgres")), ("fail", f"ECR repository 'civic-tech-jobs-postgres' ({SCOPE}.aws_ecr_repository.pg) is for Postgres, which uses the upstream image; remove it")),
    case("pg repository (token 'pg')", chain(with_repo("ctj/pg")), ("fail", f"ECR repository 'ctj/pg' ({SCOPE}.aws_ecr_repository.pg) is for Postgres, which uses the upstream image; remove it")),
    case("a repository named like the database container", chain(with_repo("ctj-db")), ("fail", f"ECR repository 'ctj-db' ({SCOPE}.aws_ecr_repository.pg) is for Postgres, which uses the upstream image; remove it")),
    case("a postgresql repository", chain(with_repo("civic-tech-jobs-postgresql")), ("fail", f"ECR repository 'civic-tech-jobs-postgresql' ({SCOPE}.aws_ecr_repository.pg) is for Postgres, which uses the upstream image; remove it")),
    case("only the last path segment names the image", chain(with_repo("team/pg/app")), PASS),
    case("a literal image URL from the repository, repository_url known only after apply", chain(lambda d: edit(d, "django", image=f"{REGISTRY}/civic-tech-jobs-backend:stage"), symbolic=True), PASS),
    case("an unrelated third repository is fine", chain(with_repo("civic-tech-jobs-tools")), PASS),
    case(
        "backend image from Docker Hub",
        chain(lambda d: edit(d, "django", image="python:3.12")),
        ("fail", "backend container 'django' image 'python:3.12' is not from the ECR repository 'civic-tech-jobs-backend'", AT_DJANGO),
    ),
    case(
        "backend image named like the repository but not from ECR",
        chain(lambda d: edit(d, "django", image="civic-tech-jobs-backend:stage")),
        ("fail", "backend container 'django' image 'civic-tech-jobs-backend:stage' is not from the ECR repository 'civic-tech-jobs-backend'", AT_DJANGO),
    ),
    case(
        "frontend image Template from the backend repository",
        chain(lambda d: edit(d, "nextjs", image=Template((Ref(ECR_BACKEND, "repository_url"), ":stage"))), symbolic=True),
        ("fail", f"task {TASK} has no frontend container whose image could come from 'civic-tech-jobs-frontend'", AT_TASK),
    ),
    case(
        "backend image from another registry under the repository's name",
        chain(lambda d: edit(d, "django", image="ghcr.io/civic-tech-jobs-backend:stage")),
        ("fail", "backend container 'django' image 'ghcr.io/civic-tech-jobs-backend:stage' is not from the ECR repository 'civic-tech-jobs-backend'", AT_DJANGO),
    ),
    case(
        "backend image from another account",
        chain(lambda d: edit(d, "django", image="999999999999.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-backend:stage")),
        ("fail", f"backend container 'django' image '999999999999.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-backend:stage' is not from {ECR_BACKEND} ({REGISTRY}/civic-tech-jobs-backend)", AT_DJANGO),
    ),
    case(
        "frontend image from another account",
        chain(lambda d: edit(d, "nextjs", image="999999999999.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-frontend:stage")),
        ("fail", f"frontend container 'nextjs' image '999999999999.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-frontend:stage' is not from {ECR_FRONTEND} ({REGISTRY}/civic-tech-jobs-frontend)", AT_NEXTJS),
    ),
    case(
        "frontend image from a second repository of the same name",
        chain(with_repo("civic-tech-jobs-frontend", f"{SCOPE}.aws_ecr_repository.fe2"), lambda d: edit(d, "nextjs", image=Template((Ref(f"{SCOPE}.aws_ecr_repository.fe2", "repository_url"), ":stage"))), symbolic=True),
        ("fail", f"frontend container 'nextjs' image comes from {SCOPE}.aws_ecr_repository.fe2, not {ECR_FRONTEND}", AT_NEXTJS),
    ),
    case(
        "no task: neither image can come from its repository",
        chain(no_task),
        ("fail", "no CTJ task definition in scope (see CTJ001): the frontend image cannot come from 'civic-tech-jobs-frontend'"),
        ("fail", "no CTJ task definition in scope (see CTJ001): the backend image cannot come from 'civic-tech-jobs-backend'"),
    ),
    # unknown: every branch
    case(
        "repository missing and another repository's name unknown",
        chain(without_repo(ECR_FRONTEND), with_repo(Unknown(UNRESOLVED, "var.repo"), located=True)),
        ("unknown", "cannot tell whether ECR repository 'civic-tech-jobs-frontend' is in scope: var.repo is unresolved reference", AT_EXTRA_REPO),
    ),
    case(
        "image from an unresolved module output",
        chain(lambda d: edit(d, "django", image=Template((Ref(f"{SCOPE}.module.images", "backend_url"), ":stage"))), symbolic=True),
        ("unknown", f"cannot tell which repository the backend image of 'django' comes from: {SCOPE}.module.images.backend_url is known only after apply", AT_DJANGO),
    ),
    case(
        "image from another output of the repository's module",
        chain(on_repo_url(ECR_BACKEND, Ref(ECR_MODULE, "repository_url")), lambda d: edit(d, "django", image=Template((Ref(ECR_MODULE, "registry_id"), ":stage"))), symbolic=True),
        ("unknown", f"cannot tell which repository the backend image of 'django' comes from: {ECR_MODULE}.registry_id is known only after apply", AT_DJANGO),
    ),
    case(
        "image known after apply (role by name)",
        chain(lambda d: edit(d, "nextjs", image=Unknown(KNOWN_AFTER_APPLY, "var.frontend_image"))),
        ("unknown", f"cannot tell which repository the frontend image of 'nextjs' comes from: var.frontend_image is known after apply; {HINT}", AT_NEXTJS),
    ),
    case(
        "frontend role undecided",
        chain(unknown_role("nextjs", "c2")),
        ("unknown", f"cannot tell which container of {TASK} is the frontend: {TASK}.container_definitions.c2.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "unknown container_definitions",
        chain(unknown_containers),
        ("unknown", f"cannot check the frontend image: {AFTER_APPLY}", AT_TASK),
        ("unknown", f"cannot check the backend image: {AFTER_APPLY}", AT_TASK),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


def test_repository_for_postgres_is_told_by_name_whatever_the_configured_database_names():
    from dataclasses import replace

    from .builders import CONFIG, stage1

    config = replace(CONFIG, database_names=("store",))
    dep = with_repo("ctj-postgres")(stage1())
    assert findings(RULE, dep, config)[0] == ("fail", f"ECR repository 'ctj-postgres' ({SCOPE}.aws_ecr_repository.pg) is for Postgres, which uses the upstream image; remove it")


HCL = [
    case("stage1", {}, PASS),
    case(
        "a repository for Postgres",
        {"ecr.tf": sub('resource "aws_ecr_repository" "backend" {', 'resource "aws_ecr_repository" "postgres" {\n  name = "civic-tech-jobs-postgres"\n}\n\nresource "aws_ecr_repository" "backend" {')},
        ("fail", "ECR repository 'civic-tech-jobs-postgres' (aws_ecr_repository.postgres) is for Postgres, which uses the upstream image; remove it", "ecr.tf:5"),
    ),
    case(
        "backend repository gone, image hard-coded",
        {
            "ecr.tf": sub('\nresource "aws_ecr_repository" "backend" {\n  name = "civic-tech-jobs-backend"\n}\n', ""),
            "django.tf": sub('"${aws_ecr_repository.backend.repository_url}:stage"', '"123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-backend:stage"'),
        },
        ("fail", "no ECR repository 'civic-tech-jobs-backend' in scope; the backend image needs its own repository"),
    ),
    case(
        "frontend image from the backend repository",
        {"nextjs.tf": sub("aws_ecr_repository.frontend.repository_url", "aws_ecr_repository.backend.repository_url")},
        ("fail", "task aws_ecs_task_definition.ctj has no frontend container whose image could come from 'civic-tech-jobs-frontend'", "task.tf:1"),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("repository missing and another repository's name unknown", [("unknown", "repository", "civic-tech-jobs-frontend", None)]),
])
def test_what_the_findings_are_about(name, expected):
    """Each finding's subject (kind, name, container): what a baseline fingerprint and the diagram key on."""
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
