"""CTJ004: two ECR repositories, and the images come from them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, Deployment, EcrRepository, Finding, Subject, Unknown, describe
from ..queries import BACKEND, FRONTEND, containers_unknown, ctj_task, explain_unknown, parse_image, role_container
from .base import ANCHOR, CTJ_TASK, ECR, PLAN_MODE_ANCHOR, CheckovNotes, Rule
from .common import NO_TASK, NO_TASK_SUBJECT, cname, failed, passed, scope_subject, undecided


def _is_postgres_repo(name: str, config: Config) -> bool:
    tokens = set(re.split(r"[^a-z0-9]+", name.lower().rsplit("/", 1)[-1]))
    return bool(tokens & ({"postgres", "postgresql", "pg"} | {n.lower() for n in config.database_names}))


def _image_check(deployment: Deployment, config: Config, role: str, repo_name: str, repo: EcrRepository | None, out: list[Finding]) -> None:
    task = ctj_task(deployment, config)
    if task is None:
        out.append(failed(f"{NO_TASK}: the {role} image cannot come from '{repo_name}'", subject=NO_TASK_SUBJECT))
        return
    unknown = containers_unknown(task)
    if unknown is not None:
        out.append(undecided(f"cannot check the {role} image: {explain_unknown(unknown)}", task))
        return
    c = role_container(task, role, deployment, config)
    if isinstance(c, Unknown):
        out.append(undecided(f"cannot tell which container of {task.address} is the {role}: {explain_unknown(c)}", task))
        return
    if c is None:
        out.append(failed(f"task {task.address} has no {role} container whose image could come from '{repo_name}'", task))
        return
    img = parse_image(c.image, deployment)
    if not img.decided:
        out.append(undecided(f"cannot tell which repository the {role} image of {cname(c)} comes from: {explain_unknown(img.missing)}", task, container=c))
        return
    if img.repository != repo_name or not img.is_ecr:
        out.append(failed(f"{role} container {cname(c)} image {describe(c.image, quote=True)} is not from the ECR repository '{repo_name}'", task, container=c))
        return
    if repo is None:
        return  # the missing repository is reported on its own
    if img.ecr is not None:
        if img.ecr is not repo:
            out.append(failed(f"{role} container {cname(c)} image comes from {img.ecr.address}, not {repo.address}", task, container=c))
        return
    url = repo.repository_url
    if isinstance(url, str) and isinstance(c.image, str) and not (
        c.image.startswith((url + ":", url + "@")) or c.image == url
    ):
        out.append(failed(f"{role} container {cname(c)} image {describe(c.image, quote=True)} is not from {repo.address} ({repo.repository_url})", task, container=c))


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    out: list[Finding] = []
    found: dict[str, EcrRepository | None] = {}
    for role, name in ((FRONTEND, config.frontend_repository), (BACKEND, config.backend_repository)):
        repos = [r for r in deployment.ecr_repositories if r.name == name]
        found[role] = repos[0] if repos else None
        if not repos:
            unknown_names = [r for r in deployment.ecr_repositories if not isinstance(r.name, str)]
            if unknown_names:
                out.append(undecided(f"cannot tell whether ECR repository '{name}' is in scope: {explain_unknown(unknown_names[0].name)}", unknown_names[0], subject=Subject("repository", name)))
            else:
                out.append(failed(f"no ECR repository '{name}' in scope; the {role} image needs its own repository", subject=Subject("repository", name)))
    for repo in deployment.ecr_repositories:
        if isinstance(repo.name, str) and _is_postgres_repo(repo.name, config):
            out.append(failed(f"ECR repository '{repo.name}' ({repo.address}) is for Postgres, which uses the upstream image; remove it", repo))
    _image_check(deployment, config, FRONTEND, config.frontend_repository, found[FRONTEND], out)
    _image_check(deployment, config, BACKEND, config.backend_repository, found[BACKEND], out)
    yield from out or [
        passed(
            f"ECR repositories '{config.frontend_repository}' and '{config.backend_repository}' are in scope, none for Postgres, "
            "and the frontend and backend images come from them",
            subject=scope_subject(deployment),
        )
    ]


BAD = """\
resource "aws_ecr_repository" "fullstack" {
  name = "civic-tech-jobs-fullstack"
}

resource "aws_ecr_repository" "postgres" {
  name = "civic-tech-jobs-postgres"
}

resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    { name = "nextjs", image = "${aws_ecr_repository.fullstack.repository_url}:stage" },
    { name = "django", image = "${aws_ecr_repository.fullstack.repository_url}:stage" },
    { name = "postgres", image = "${aws_ecr_repository.postgres.repository_url}:18" },
  ])
}
"""

GOOD = """\
resource "aws_ecr_repository" "frontend" {
  name = "civic-tech-jobs-frontend"
}

resource "aws_ecr_repository" "backend" {
  name = "civic-tech-jobs-backend"
}

resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    { name = "nextjs", image = "${aws_ecr_repository.frontend.repository_url}:stage" },
    { name = "django", image = "${aws_ecr_repository.backend.repository_url}:stage" },
    { name = "postgres", image = "postgres:18" },
  ])
}
"""


RULE = Rule(
    id="CTJ004",
    title="two ECR repos",
    severity=ERROR,
    summary="ECR repos `civic-tech-jobs-frontend` / `-backend`, none for Postgres; images come from them",
    rationale=(
        "The Stage 1 decision (docs/decision.md#images-and-repositories) splits the fullstack ECR repository into "
        "civic-tech-jobs-frontend and civic-tech-jobs-backend, one image per non-Postgres container, pushed with the "
        "stage tag by the deploy workflow; Postgres uses the upstream image and needs no repository. The task must "
        "run the images from those repositories, or the workflow's pushes never reach it."
    ),
    remediation=(
        "Call the ECR module twice (project_name civic-tech-jobs-frontend and civic-tech-jobs-backend), drop any "
        "Postgres repository, and set the containers' images to "
        "\"${module.civic_tech_jobs_ecr_frontend.repository_url}:stage\" and "
        "\"${module.civic_tech_jobs_ecr_backend.repository_url}:stage\"."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_004",
    resource_types=ANCHOR + ECR,
    applies_to=CTJ_TASK,
    checkov=CheckovNotes(
        hcl=(),
        note=PLAN_MODE_ANCHOR + "nothing (the two repositories must exist in scope and the task's images must come from "
        "them: needs the task and every repository at once): ctj-policy only",
    ),
    needs=("frontend", "backend"),
)
