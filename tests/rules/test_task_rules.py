"""CTJ001-CTJ004: the task, the legacy shape, the network mode, the ECR repositories."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctj_policy.model import Container, EcrRepository, ModuleCall, Ref, TaskDefinition, Template, Unknown, UNRESOLVED

from .builders import (
    ECR_BACKEND,
    ECR_FRONTEND,
    REGISTRY,
    SCOPE,
    SERVICE,
    TASK,
    add_container,
    drop_container,
    edit,
    legacy,
    run,
    stage1,
    task,
    unknown_containers,
)

AFTER_APPLY = f"{TASK}.container_definitions is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"
LEGACY_TASK = f"{SCOPE}.module.civic_tech_jobs_fullstack_stage_service.aws_ecs_task_definition.task"


def case(id, build, *expected):
    return pytest.param(build, list(expected), id=id)


def second_task(dep):
    dep.task_definitions.append(TaskDefinition(f"{SCOPE}.aws_ecs_task_definition.worker", family="ctj-worker", containers=()))
    return dep


# ---------------------------------------------------------------- CTJ001

CTJ001 = [
    case("stage1", stage1, ("pass", f"task {TASK} runs frontend 'nextjs', backend 'django' and database 'postgres'")),
    case("stage1 symbolic images (Template from ECR Ref)", lambda: stage1(True), ("pass", f"task {TASK} runs frontend 'nextjs', backend 'django' and database 'postgres'")),
    case(
        "roles by image, not name",
        lambda: edit(edit(edit(stage1(), "django", name="app"), "nextjs", name="ui"), "postgres", name="store"),
        ("pass", f"task {TASK} runs frontend 'ui', backend 'app' and database 'store'"),
    ),
    case(
        "unknown image, role by name",
        lambda: edit(stage1(), "django", image=Unknown("known after apply", "image")),
        ("pass", f"task {TASK} runs frontend 'nextjs', backend 'django' and database 'postgres'"),
    ),
    case("no task definition", lambda: replace(stage1(), task_definitions=[]), ("fail", f"no aws_ecs_task_definition in scope {SCOPE}; Stage 1 runs the three containers in one task")),
    case(
        "two task definitions",
        lambda: second_task(stage1()),
        ("fail", f"2 aws_ecs_task_definition resources in scope ({TASK}, {SCOPE}.aws_ecs_task_definition.worker); Stage 1 runs exactly one task"),
        ("fail", f"2 aws_ecs_task_definition resources in scope ({TASK}, {SCOPE}.aws_ecs_task_definition.worker); Stage 1 runs exactly one task"),
    ),
    case(
        "two containers",
        lambda: drop_container(stage1(), "postgres"),
        ("fail", f"task {TASK} has 2 container(s) ('django', 'nextjs'); Stage 1 needs exactly three: frontend, backend, database"),
    ),
    case(
        "four containers",
        lambda: add_container(stage1(), Container(name="redis", image="redis:7")),
        ("fail", f"task {TASK} has 4 container(s) ('django', 'nextjs', 'postgres', 'redis'); Stage 1 needs exactly three: frontend, backend, database"),
    ),
    case(
        "a container with no role",
        lambda: edit(stage1(), "nextjs", name="sidecar", image="nginx:1.27"),
        ("fail", f"container 'sidecar' of {TASK} is neither frontend, backend nor database (image 'nginx:1.27', name not in the configured role names)"),
    ),
    case(
        "two backends",
        lambda: edit(stage1(), "nextjs", image=f"{REGISTRY}/civic-tech-jobs-backend:stage"),
        ("fail", f"task {TASK} has 2 backend containers ('django', 'nextjs'); Stage 1 has one each"),
    ),
    case(
        "unknown container_definitions",
        lambda: unknown_containers(stage1()),
        ("unknown", f"cannot count the containers of {TASK}: {AFTER_APPLY}"),
    ),
    case(
        "unknown image and an unhelpful name",
        lambda: edit(stage1(), "nextjs", name="c2", image=Unknown("known after apply", f"{TASK}.container_definitions[1].image")),
        ("unknown", f"cannot tell the role of container 'c2' of {TASK}: {TASK}.container_definitions[1].image is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case("legacy fullstack", legacy, ("fail", f"task {LEGACY_TASK} has 1 container(s) ('civic-tech-jobs-fs-stage'); Stage 1 needs exactly three: frontend, backend, database")),
]


@pytest.mark.parametrize("build, expected", CTJ001)
def test_ctj001(build, expected):
    assert run("CTJ001", build()) == expected


# ---------------------------------------------------------------- CTJ002


def rename_service(dep, name):
    dep.services[0].name = name
    return dep


def add_repo(dep, repo):
    dep.ecr_repositories.append(repo)
    return dep


LEGACY_MOD = f"{SCOPE}.module.civic_tech_jobs_fullstack_stage_service"
LEGACY_ECR_MOD = f"{SCOPE}.module.civic_tech_jobs_ecr_fullstack"

CTJ002 = [
    case("stage1", stage1, ("pass", "no legacy fullstack module, ECS service or 'civic-tech-jobs-fullstack' ECR repository in scope")),
    case(
        "legacy fullstack",
        legacy,
        ("fail", f"legacy module call {LEGACY_ECR_MOD} ('fullstack') is still in scope; remove it"),
        ("fail", f"legacy module call {LEGACY_MOD} ('fullstack') is still in scope; remove it"),
        ("fail", f"legacy ECS service {LEGACY_MOD}.aws_ecs_service.fargate[0] ('fullstack') is still in scope; remove it"),
        ("fail", f"legacy ECR repository 'civic-tech-jobs-fullstack' ({LEGACY_ECR_MOD}.aws_ecr_repository.this) is still in scope; remove it"),
    ),
    case(
        "service named fullstack (case-insensitive)",
        lambda: rename_service(stage1(), "ctj-FullStack"),
        ("fail", f"legacy ECS service {SERVICE} ('fullstack') is still in scope; remove it"),
    ),
    case(
        "a legacy-named DNS module (keeps the stage hostname) is not the legacy deployment",
        lambda: add_module(stage1(), ModuleCall(f"{SCOPE}.module.civic_tech_jobs_fullstack_stage_dns_entry", name="civic_tech_jobs_fullstack_stage_dns_entry", source="../../modules/dns-entry")),
        ("pass", "no legacy fullstack module, ECS service or 'civic-tech-jobs-fullstack' ECR repository in scope"),
    ),
    case(
        "a legacy-named container module is, even before its resources show",
        lambda: add_module(stage1(), ModuleCall(f"{SCOPE}.module.civic_tech_jobs_fullstack_stage_service", name="civic_tech_jobs_fullstack_stage_service", source="../../modules/container")),
        ("fail", f"legacy module call {SCOPE}.module.civic_tech_jobs_fullstack_stage_service ('fullstack') is still in scope; remove it"),
    ),
    case(
        "ECR repository name unknown",
        lambda: add_repo(stage1(), EcrRepository(f"{SCOPE}.aws_ecr_repository.x", name=Unknown(UNRESOLVED, "var.repo_name"))),
        ("unknown", f"cannot tell whether ECR repository {SCOPE}.aws_ecr_repository.x is the legacy 'civic-tech-jobs-fullstack': var.repo_name is unresolved reference"),
    ),
]


def add_module(dep, call):
    dep.module_calls.append(call)
    return dep


@pytest.mark.parametrize("build, expected", CTJ002)
def test_ctj002(build, expected):
    assert run("CTJ002", build()) == expected


# ---------------------------------------------------------------- CTJ003


def network_mode(value):
    def build():
        d = stage1()
        task(d).network_mode = value
        return d

    return build


CTJ003 = [
    case("awsvpc", stage1, ("pass", f"task {TASK} uses network_mode awsvpc: containers share localhost")),
    case("unset", network_mode(None), ("fail", f"task {TASK} does not set network_mode (bridge on EC2: containers do not share localhost); set network_mode = \"awsvpc\"")),
    case("bridge", network_mode("bridge"), ("fail", f"task {TASK} uses network_mode 'bridge'; containers share localhost only with \"awsvpc\"")),
    case(
        "unknown",
        network_mode(Unknown("unresolved reference", "var.network_mode", "no value given")),
        ("unknown", f"network_mode of {TASK} is not known: var.network_mode is unresolved reference (no value given)"),
    ),
    case("no task", lambda: replace(stage1(), task_definitions=[]), ("fail", "no CTJ task definition in scope (see CTJ001): network_mode cannot be awsvpc")),
]


@pytest.mark.parametrize("build, expected", CTJ003)
def test_ctj003(build, expected):
    assert run("CTJ003", build()) == expected


# ---------------------------------------------------------------- CTJ004

PASS004 = ("pass", "ECR repositories 'civic-tech-jobs-frontend' and 'civic-tech-jobs-backend' are in scope, none for Postgres, and the frontend and backend images come from them")


def without_repo(address):
    def build():
        d = stage1()
        d.ecr_repositories = [r for r in d.ecr_repositories if r.address != address]
        return d

    return build


def with_repo(name):
    def build():
        d = stage1()
        d.ecr_repositories.append(EcrRepository(f"{SCOPE}.aws_ecr_repository.pg", name=name))
        return d

    return build


CTJ004 = [
    case("stage1 literal URLs", stage1, PASS004),
    case("stage1 Template from the ECR repository_url Ref", lambda: stage1(True), PASS004),
    case(
        "image Ref alone",
        lambda: edit(stage1(True), "django", image=Ref(ECR_BACKEND, "repository_url")),
        PASS004,
    ),
    case("frontend repository missing", without_repo(ECR_FRONTEND), ("fail", "no ECR repository 'civic-tech-jobs-frontend' in scope; the frontend image needs its own repository")),
    case("postgres repository", with_repo("civic-tech-jobs-postgres"), ("fail", f"ECR repository 'civic-tech-jobs-postgres' ({SCOPE}.aws_ecr_repository.pg) is for Postgres, which uses the upstream image; remove it")),
    case(
        "backend image from Docker Hub",
        lambda: edit(stage1(), "django", image="python:3.12"),
        ("fail", "backend container 'django' image 'python:3.12' is not from the ECR repository 'civic-tech-jobs-backend'"),
    ),
    case(
        "frontend image Template from the backend repository",
        lambda: edit(stage1(True), "nextjs", image=Template((Ref(ECR_BACKEND, "repository_url"), ":stage"))),
        ("fail", f"task {TASK} has no frontend container whose image could come from 'civic-tech-jobs-frontend'"),
    ),
    case(
        "frontend image from another account",
        lambda: edit(stage1(), "nextjs", image="999999999999.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-frontend:stage"),
        ("fail", f"frontend container 'nextjs' image '999999999999.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-frontend:stage' is not from {ECR_FRONTEND} ({REGISTRY}/civic-tech-jobs-frontend)"),
    ),
    case(
        "image from an unresolved module output",
        lambda: edit(stage1(True), "django", image=Template((Ref(f"{SCOPE}.module.images", "backend_url"), ":stage"))),
        ("unknown", f"cannot tell which repository the backend image of 'django' comes from: {SCOPE}.module.images.backend_url is known only after apply"),
    ),
    case(
        "unknown container_definitions",
        lambda: unknown_containers(stage1()),
        ("unknown", f"cannot check the frontend image: {AFTER_APPLY}"),
        ("unknown", f"cannot check the backend image: {AFTER_APPLY}"),
    ),
]


@pytest.mark.parametrize("build, expected", CTJ004)
def test_ctj004(build, expected):
    assert run("CTJ004", build()) == expected
