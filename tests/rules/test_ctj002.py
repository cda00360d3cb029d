"""CTJ002: the legacy fullstack deployment is removed."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    UNRESOLVED,
    EcrRepository,
    ModuleCall,
    Ref,
    Service,
    Unknown,
)

from .builders import (
    AT_ECR,
    AT_SERVICE,
    ECR_BACKEND,
    HINT,
    SCOPE,
    SERVICE,
    case,
    chain,
    findings,
    hcl_findings,
    legacy,
    loc,
    on_service,
    sub,
    tf_tree,
)

RULE = "CTJ002"
PASS = ("pass", "no legacy fullstack module, ECS service or 'civic-tech-jobs-fullstack' ECR repository in scope")
LEGACY_MOD = f"{SCOPE}.module.civic_tech_jobs_fullstack_stage_service"
LEGACY_ECR_MOD = f"{SCOPE}.module.civic_tech_jobs_ecr_fullstack"


def add_repo(repo):
    def mutate(dep):
        dep.ecr_repositories.append(repo)
        return dep

    return mutate


def add_module(call):
    def mutate(dep):
        dep.module_calls.append(call)
        return dep

    return mutate


def add_service(svc):
    def mutate(dep):
        dep.services.append(svc)
        return dep

    return mutate


def rename_repo(address, name):
    def mutate(dep):
        next(r for r in dep.ecr_repositories if r.address == address).name = name
        return dep

    return mutate


CASES = [
    case("stage1", chain(), PASS),
    case(
        "legacy fullstack: module calls, service and repository, one finding each",
        legacy,
        ("fail", f"legacy module call {LEGACY_ECR_MOD} ('fullstack') is still in scope; remove it"),
        ("fail", f"legacy module call {LEGACY_MOD} ('fullstack') is still in scope; remove it"),
        ("fail", f"legacy ECS service {LEGACY_MOD}.aws_ecs_service.fargate[0] ('fullstack') is still in scope; remove it"),
        ("fail", f"legacy ECR repository 'civic-tech-jobs-fullstack' ({LEGACY_ECR_MOD}.aws_ecr_repository.this) is still in scope; remove it"),
    ),
    case(
        "service named fullstack (case-insensitive)",
        chain(on_service(name="ctj-FullStack")),
        ("fail", f"legacy ECS service {SERVICE} ('fullstack') is still in scope; remove it", AT_SERVICE),
    ),
    case(
        "service whose address carries the marker",
        chain(add_service(Service(f"{SCOPE}.aws_ecs_service.fullstack", name="x"))),
        ("fail", f"legacy ECS service {SCOPE}.aws_ecs_service.fullstack ('fullstack') is still in scope; remove it"),
    ),
    case(
        "a legacy-named DNS module (keeps the stage hostname) is not the legacy deployment",
        chain(add_module(ModuleCall(f"{SCOPE}.module.civic_tech_jobs_fullstack_stage_dns_entry", name="civic_tech_jobs_fullstack_stage_dns_entry", source="../../modules/dns-entry"))),
        PASS,
    ),
    case(
        "a legacy-named container module is, even before its resources show",
        chain(add_module(ModuleCall(LEGACY_MOD, name="civic_tech_jobs_fullstack_stage_service", source="../../modules/container"))),
        ("fail", f"legacy module call {LEGACY_MOD} ('fullstack') is still in scope; remove it"),
    ),
    case(
        "a legacy-named container module, its source written with a trailing slash",
        chain(add_module(ModuleCall(LEGACY_MOD, name="civic_tech_jobs_fullstack_stage_service", source="../../modules/container/"))),
        ("fail", f"legacy module call {LEGACY_MOD} ('fullstack') is still in scope; remove it"),
    ),
    case(
        "a legacy-named module of any source that holds a service",
        chain(
            add_module(ModuleCall(f"{SCOPE}.module.fullstack", name="fullstack", source="./svc")),
            add_service(Service(f"{SCOPE}.module.fullstack.aws_ecs_service.this", name="svc")),
        ),
        ("fail", f"legacy module call {SCOPE}.module.fullstack ('fullstack') is still in scope; remove it"),
        ("fail", f"legacy ECS service {SCOPE}.module.fullstack.aws_ecs_service.this ('fullstack') is still in scope; remove it"),
    ),
    case(
        "a module nested in a legacy module (the marker is in its address only)",
        chain(add_module(ModuleCall(f"{LEGACY_MOD}.module.ecr", name="ecr", source="../ecr", location=loc(3, "modules/container/main.tf")))),
        ("fail", f"legacy module call {LEGACY_MOD}.module.ecr ('fullstack') is still in scope; remove it", "modules/container/main.tf:3"),
    ),
    case(
        "a legacy-named module with for_each holding a service",
        chain(
            add_module(ModuleCall(f"{SCOPE}.module.fullstack", name="fullstack", source="./svc")),
            add_service(Service(f'{SCOPE}.module.fullstack["stage"].aws_ecs_service.this', name="svc")),
        ),
        ("fail", f"legacy module call {SCOPE}.module.fullstack ('fullstack') is still in scope; remove it"),
        ("fail", f"legacy ECS service {SCOPE}.module.fullstack[\"stage\"].aws_ecs_service.this ('fullstack') is still in scope; remove it"),
    ),
    case(
        "a legacy-named module whose source ends in a slash",
        chain(add_module(ModuleCall(LEGACY_MOD, name="civic_tech_jobs_fullstack_stage_service", source="../../modules/container/"))),
        ("fail", f"legacy module call {LEGACY_MOD} ('fullstack') is still in scope; remove it"),
    ),
    case(
        "a legacy-named module of another source, holding nothing",
        chain(add_module(ModuleCall(f"{SCOPE}.module.fullstack_docs", name="fullstack_docs", source="../../modules/containers-docs"))),
        PASS,
    ),
    case(
        "a legacy-named module whose source is not known, holding nothing",
        chain(add_module(ModuleCall(f"{SCOPE}.module.fullstack_x", name="fullstack_x", source=Unknown(KNOWN_AFTER_APPLY, "source")))),
        PASS,
    ),
    case(
        "the legacy repository under another address",
        chain(rename_repo(ECR_BACKEND, "civic-tech-jobs-fullstack")),
        ("fail", f"legacy ECR repository 'civic-tech-jobs-fullstack' ({ECR_BACKEND}) is still in scope; remove it", AT_ECR),
    ),
    # unknown: every branch
    case(
        "ECR repository name unresolved",
        chain(add_repo(EcrRepository(f"{SCOPE}.aws_ecr_repository.x", name=Unknown(UNRESOLVED, "var.repo_name")))),
        ("unknown", f"cannot tell whether ECR repository {SCOPE}.aws_ecr_repository.x is the legacy 'civic-tech-jobs-fullstack': var.repo_name is unresolved reference"),
    ),
    case(
        "ECR repository name known after apply",
        chain(rename_repo(ECR_BACKEND, Unknown(KNOWN_AFTER_APPLY, f"{ECR_BACKEND}.name"))),
        ("unknown", f"cannot tell whether ECR repository {ECR_BACKEND} is the legacy 'civic-tech-jobs-fullstack': {ECR_BACKEND}.name is known after apply; {HINT}", AT_ECR),
    ),
    case(
        "ECR repository name from a module output",
        chain(rename_repo(ECR_BACKEND, Ref(f"{SCOPE}.module.names", "backend"))),
        ("unknown", f"cannot tell whether ECR repository {ECR_BACKEND} is the legacy 'civic-tech-jobs-fullstack': {SCOPE}.module.names.backend is known only after apply", AT_ECR),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


HCL = [
    case("stage1", {}, PASS),
    case(
        "the fullstack repository still declared",
        {"ecr.tf": sub('resource "aws_ecr_repository" "backend" {', 'resource "aws_ecr_repository" "fullstack" {\n  name = "civic-tech-jobs-fullstack"\n}\n\nresource "aws_ecr_repository" "backend" {')},
        ("fail", "legacy ECR repository 'civic-tech-jobs-fullstack' (aws_ecr_repository.fullstack) is still in scope; remove it", "ecr.tf:5"),
    ),
    case(
        "the fullstack service still declared",
        {"legacy.tf": 'resource "aws_ecs_service" "fullstack" {\n  name          = "civic-tech-jobs-fs-stage"\n  desired_count = 1\n}\n'},
        ("fail", "legacy ECS service aws_ecs_service.fullstack ('fullstack') is still in scope; remove it", "legacy.tf:1"),
    ),
    case(
        "repository name from a variable with no value",
        {"ecr.tf": sub('name = "civic-tech-jobs-backend"', "name = var.backend_repo"), "variables.tf": 'variable "backend_repo" {\n  type = string\n}\n'},
        ("unknown", "cannot tell whether ECR repository aws_ecr_repository.backend is the legacy 'civic-tech-jobs-fullstack': var.backend_repo is unresolved reference (the variable has no value and no default: pass --var/--var-file)", "ecr.tf:5"),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected
