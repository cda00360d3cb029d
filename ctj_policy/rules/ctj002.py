"""CTJ002: the legacy fullstack deployment is removed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from ..config import Config
from ..model import ERROR, Deployment, Finding, ModuleCall, is_symbolic
from ..queries import explain_unknown
from .base import ECR, SERVICE, CheckovNotes, Rule
from .common import failed, passed, scope_subject, undecided


def _marker(text: Any, config: Config) -> str | None:
    if not isinstance(text, str):
        return None
    low = text.lower()
    for m in config.legacy_markers:
        if m.lower() in low:
            return m
    return None


# module sources that deploy the legacy service or its image repository
_DEPLOYING_SOURCES = ("container", "ecr")


def _deploys(call: ModuleCall, deployment: Deployment) -> bool:
    """Does a module call hold an ECS service, task definition or ECR repository?

    A legacy-named module that only keeps, say, the stage DNS record
    (civic_tech_jobs_fullstack_stage_dns_entry) is not the legacy deployment.
    """
    inside = (call.address + ".", call.address + "[")
    for res in (*deployment.services, *deployment.task_definitions, *deployment.ecr_repositories):
        if res.address.startswith(inside):
            return True
    return isinstance(call.source, str) and PurePosixPath(call.source).name in _DEPLOYING_SOURCES


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    out: list[Finding] = []
    for call in deployment.module_calls:
        m = _marker(call.address, config) or _marker(call.name, config)
        if m and _deploys(call, deployment):
            out.append(failed(f"legacy module call {call.address} ('{m}') is still in scope; remove it", call))
    for svc in deployment.services:
        m = _marker(svc.address, config) or _marker(svc.name, config)
        if m:
            out.append(failed(f"legacy ECS service {svc.address} ('{m}') is still in scope; remove it", svc))
    for repo in deployment.ecr_repositories:
        if isinstance(repo.name, str):
            if repo.name == config.legacy_repository:
                out.append(failed(f"legacy ECR repository '{repo.name}' ({repo.address}) is still in scope; remove it", repo))
        elif is_symbolic(repo.name):
            out.append(undecided(f"cannot tell whether ECR repository {repo.address} is the legacy '{config.legacy_repository}': {explain_unknown(repo.name)}", repo))
    yield from out or [passed(f"no legacy fullstack module, ECS service or '{config.legacy_repository}' ECR repository in scope", subject=scope_subject(deployment))]


BAD = """\
module "civic_tech_jobs_ecr_fullstack" {
  source       = "../../modules/ecr"
  project_name = "civic-tech-jobs-fullstack"
}

resource "aws_ecs_service" "fullstack" {
  name = "civic-tech-jobs-fullstack-stage"
}
"""

GOOD = """\
module "civic_tech_jobs_ecr_frontend" {
  source       = "../../modules/ecr"
  project_name = "civic-tech-jobs-frontend"
}

module "civic_tech_jobs_ecr_backend" {
  source       = "../../modules/ecr"
  project_name = "civic-tech-jobs-backend"
}
"""


RULE = Rule(
    id="CTJ002",
    title="legacy removed",
    severity=ERROR,
    summary="the legacy fullstack service and ECR repo are gone",
    rationale=(
        "The Stage 1 decision (docs/decision.md#todays-deployment) replaces the single civic_tech_jobs_fullstack_stage_service module call with "
        "the multi-container task and splits the civic_tech_jobs_ecr_fullstack module into the frontend and backend "
        "repositories (docs/decision.md#images-and-repositories), while stage still runs the legacy single fullstack container. Anything whose "
        "address or name carries the legacy marker ('fullstack') and deploys a service, task definition or image "
        "repository means the cutover is incomplete: two deployments would compete for the same hostname and "
        "listener. A legacy-named module that only keeps the stage DNS record is not flagged."
    ),
    remediation=(
        "Delete module \"civic_tech_jobs_fullstack_stage_service\" and module \"civic_tech_jobs_ecr_fullstack\" "
        "(ECR repository civic-tech-jobs-fullstack) from terraform/projects/civic-tech-jobs/ once the new service "
        "and repositories are in place."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_002",
    resource_types=SERVICE + ECR,
    checkov=CheckovNotes(
        note="plan mode: legacy module calls (no resource) are reported on the anchor (the CTJ service). "
        "HCL mode: legacy ECS services and ECR repositories; legacy module calls: ctj-policy only",
    ),
)
