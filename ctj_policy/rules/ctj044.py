"""CTJ044: the workflow builds and pushes no Postgres image (the task runs the upstream one)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..config import Config
from ..model import ERROR, FAIL, PASS, UNKNOWN, Deployment, Finding, Unknown
from ..queries import DATABASE, containers_unknown, ctj_task, is_official_postgres, parse_image, role_container
from ..workflow_model import ImageBuild, ImagePush, ImageRef, show
from .base import CTJ_TASK, Rule
from .lockstep import (
    IMAGE_GAPS,
    anchor,
    at,
    describe_gaps,
    gaps,
    no_workflow,
    problems_or_pass,
    repository,
    tokens,
    where,
    whole,
)


def _database_repository(deployment: Deployment, config: Config) -> str | None:
    """The private repository the task's database container pulls from, if it pulls from one (CTJ021 fails then)."""
    task = ctj_task(deployment, config)
    if task is None or containers_unknown(task) is not None:
        return None
    c = role_container(task, DATABASE, deployment, config)
    if c is None or isinstance(c, Unknown):
        return None
    img = parse_image(c.image, deployment)
    return img.repository if img.decided and img.is_ecr else None


def _evidence(image: ImageRef | None, extra: dict[str, Any], words: set[str], db_repo: str | None) -> str | None:
    """Why an image is a Postgres image: the repository the task's database pulls, or a name saying so."""
    name = repository(image) if image is not None else None
    if name is not None and name == db_repo:
        return f"its repository '{name}' is the one the task's database container pulls"
    for what, value in ({"repository": name} | extra).items():
        hit = tokens(value) & words
        if hit:
            return f"its {what} {show(value)!r} names {sorted(hit)[0]}"
    return None


def _official(ref: ImageRef | None, config: Config) -> bool:
    """Is ``ref`` (a docker tag source) the upstream postgres image?"""
    if ref is None or not isinstance(ref.text, str):
        return False
    return is_official_postgres(parse_image(ref.text), config)


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    workflows = deployment.workflows
    if not workflows:
        yield no_workflow("CTJ044")
        return
    words = {w for name in (*config.database_names, *config.postgres_images) for w in tokens(name)} - {"library", "docker", "io", "public", "ecr", "aws"}
    db_repo = _database_repository(deployment, config)
    builds: list[ImageBuild] = [b for wf in workflows for b in wf.builds]
    pushes: list[ImagePush] = [p for wf in workflows for p in wf.pushes]
    findings = []
    flagged = set()
    for b in builds:
        extra = {"Dockerfile": b.dockerfile, "target": b.target}
        why = next((e for t in b.tags or (None,) if (e := _evidence(t, extra, words, db_repo))), None)  # untagged: its Dockerfile, target
        if why:
            flagged.add(id(b))
            findings.append(at(FAIL, f"{where(b.origin)} builds a Postgres image ({why}): the task runs the upstream postgres image, which is never built", b.origin))
        elif not b.tags or any(repository(t) is None for t in b.tags):
            shown = ", ".join(show(t.text) for t in b.tags) or "no tag"
            findings.append(at(UNKNOWN, f"cannot tell whether {where(b.origin)} builds a Postgres image: its image ({shown}) is known only when the workflow runs", b.origin))
    for p in pushes:
        if p.build is not None and id(p.build) in flagged:
            continue  # reported with its build
        why = _evidence(p.image, {}, words, db_repo)
        if why is None and _official(p.source, config):
            why = f"it re-tags the upstream image {show(p.source.text)!r}"
        if why:
            findings.append(at(FAIL, f"{where(p.origin)} pushes a Postgres image {show(p.image.text)} ({why}): the task pulls the upstream image, not one of the workflow's", p.origin, p.image.line))
        elif repository(p.image) is None and p.build is None:
            findings.append(at(UNKNOWN, f"cannot tell whether {where(p.origin)} pushes a Postgres image: {show(p.image.text)} is known only when the workflow runs", p.origin, p.image.line))
    unread = gaps(workflows, IMAGE_GAPS)
    if unread and not any(f.status == FAIL for f in findings):
        findings.append(at(UNKNOWN, f"no Postgres image among the builds the loader read, but a step is not read: {describe_gaps(unread)}", unread[0].origin))
    repos = sorted({r for p in pushes if (r := repository(p.image)) is not None} | {r for b in builds for t in b.tags if (r := repository(t)) is not None})
    passing = at(PASS, f"the workflow builds {len(builds)} image(s) ({', '.join(repos) or 'none'}) and none is Postgres", anchor(workflows), subject=whole(workflows))
    yield from problems_or_pass(findings, passing)


BAD = """\
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - id: ecr
        uses: aws-actions/amazon-ecr-login@v2
      - run: |
          docker build -f stage/postgres.Dockerfile -t ${{ steps.ecr.outputs.registry }}/civic-tech-jobs-postgres:stage .
          docker push ${{ steps.ecr.outputs.registry }}/civic-tech-jobs-postgres:stage
"""

GOOD = """\
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - id: ecr
        uses: aws-actions/amazon-ecr-login@v2
      - run: |
          docker build -f stage/backend.Dockerfile -t ${{ steps.ecr.outputs.registry }}/civic-tech-jobs-backend:stage .
          docker push ${{ steps.ecr.outputs.registry }}/civic-tech-jobs-backend:stage
"""


RULE = Rule(
    id="CTJ044",
    title="Postgres is not built",
    severity=ERROR,
    summary="the deploy workflow builds and pushes no Postgres image (the task runs the upstream image)",
    rationale=(
        "Postgres uses the upstream image, postgres:18, and has no ECR repository of its own; the workflow does not "
        "build it (docs/decision.md#images-and-repositories). A Postgres image built and pushed by the workflow needs a "
        "repository the Terraform does not create and drifts from the pinned upstream major. An image counts as "
        "Postgres by what it deploys: the repository the task's database container pulls, a re-tag of the upstream "
        "image, or a repository, Dockerfile or build target named like the database (the configured database names, "
        "postgres). An image whose name the workflow computes at run time is unknown."
    ),
    remediation=(
        "Delete the Postgres build and push from the workflow; the task's database container runs the upstream image "
        "(postgres:18.x), with its configuration in the task definition (environment, secrets, the data volume)."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    needs_workflow=True,
    applies_to=CTJ_TASK,  # judged against THE CTJ task's containers: an unread module may hold it
)
