"""CTJ040: images pushed where the task pulls (the deploy workflow against the Terraform)."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, FAIL, PASS, UNKNOWN, Deployment, EcrRepository, Finding, Unknown, describe
from ..queries import container_role, containers_unknown, ctj_task, explain_unknown, parse_image
from ..queries.workflows import pushed_tag, pushes_to, tag_matches
from ..workflow_model import ImagePush, show
from .base import CTJ_TASK, Rule
from .common import NO_TASK, NO_TASK_SUBJECT, cname, container_subject
from .lockstep import (
    IMAGE_GAPS,
    anchor,
    at,
    describe_gaps,
    gaps,
    no_workflow,
    problems_or_pass,
    repository,
    where,
    why_not_known,
)


def _in_scope(deployment: Deployment, name: str) -> EcrRepository | Unknown | None:
    """The ECR repository called ``name`` in scope; an Unknown when a repository's name is not known."""
    undecided = None
    for repo in deployment.ecr_repositories:
        if repo.name == name:
            return repo
        if not isinstance(repo.name, str) and undecided is None:
            undecided = Unknown("not evaluated", f"the name of {repo.address}", "it may be that repository")
    return undecided


def _judge_push(push: ImagePush, deployment: Deployment, config: Config) -> Iterator[Finding]:
    """Does the ECR repository this push goes to exist in scope?"""
    image, origin = push.image, push.origin
    ecr = image.is_ecr
    if ecr is False:  # a registry other than ECR (Docker Hub, GHCR...): not the task's repositories
        return
    name = repository(image)
    if ecr is None or name is None:
        missing = image.registry if ecr is None else image.repository
        yield at(UNKNOWN, f"cannot tell which ECR repository {where(origin)} pushes {show(image.text)} to: {why_not_known(missing)}", origin, image.line)
        return
    found = _in_scope(deployment, name)
    if isinstance(found, EcrRepository):
        return
    status = FAIL if push.certain is True else UNKNOWN
    maybe = "" if push.certain is True else " (if it runs: an expression decides whether it does)"
    if isinstance(found, Unknown):
        yield at(UNKNOWN, f"{where(origin)} pushes to ECR repository '{name}'{maybe}; cannot tell whether the plan has it: {explain_unknown(found)}", origin, image.line)
    elif name == config.legacy_repository or any(m in name for m in config.legacy_markers):
        yield at(status, f"{where(origin)} pushes to the legacy repository '{name}'{maybe}, which the plan does not have: Stage 1 pushes '{config.frontend_repository}' and '{config.backend_repository}'", origin, image.line)
    else:
        yield at(status, f"{where(origin)} pushes to ECR repository '{name}'{maybe}, which is not in scope {deployment.scope or '(whole input)'}: the push fails until the Terraform creates it", origin, image.line)


def _task_images(deployment: Deployment, config: Config, pushes: list[ImagePush]) -> Iterator[Finding]:
    """Every image the task pulls from a private ECR repository (the frontend and backend; the legacy
    fullstack container): pushed by the workflow, with the tag the task pulls?"""
    workflows = deployment.workflows
    top = anchor(workflows)
    task = ctj_task(deployment, config)
    if task is None:
        yield at(FAIL, f"{NO_TASK}: no image the workflow pushes is pulled by a CTJ task", top, subject=NO_TASK_SUBJECT)
        return
    unknown = containers_unknown(task)
    if unknown is not None:
        yield at(UNKNOWN, f"cannot tell which images task {task.address} pulls: {explain_unknown(unknown)}", top, about=task)
        return
    unread = gaps(workflows, IMAGE_GAPS)
    for c in task.containers:
        subject = container_subject(c)
        role = container_role(c, deployment, config)
        who = f"{role if isinstance(role, str) else 'container'} {cname(c)}"
        img = parse_image(c.image, deployment)
        if not img.decided:
            yield at(UNKNOWN, f"cannot tell which repository the {who} pulls from: {explain_unknown(img.missing)}", top, about=task, subject=subject)
            continue
        if not img.is_ecr:  # the upstream postgres image, a public image: the workflow does not push it
            continue
        if img.digest is not None and img.tag is None:
            yield at(UNKNOWN, f"the {who} pulls '{img.repository}' by digest: which push produced it is not known before the push", top, about=task, subject=subject)
            continue
        if not isinstance(img.tag, (str, type(None))):
            yield at(UNKNOWN, f"cannot tell which tag of '{img.repository}' the {who} pulls: {explain_unknown(img.tag)}", top, about=task, subject=subject)
            continue
        tag = img.tag if img.tag is not None else "latest"
        yield _pushed_with_tag(who, c, img.repository, tag, pushes, unread, task, subject, top)


def _pushed_with_tag(who, c, repo, tag, pushes, unread, task, subject, top) -> Finding:
    same_repo = pushes_to(pushes, repo)
    for p in same_repo:
        if tag_matches(p, tag) is True and p.certain is True:
            return at(PASS, f"{where(p.origin)} pushes '{repo}:{tag}', which the {who} pulls", p.origin, p.image.line, about=task, subject=subject)
    maybe = [p for p in same_repo if p.certain is not True or tag_matches(p, tag) is None]
    if maybe:
        p = maybe[0]
        why = "an expression decides whether it runs" if p.certain is not True else f"the tag {show(p.image.tag)} is known only when the workflow runs"
        return at(UNKNOWN, f"{where(p.origin)} pushes '{repo}' as {show(p.image.text)}; cannot tell whether that is the ':{tag}' the {who} pulls: {why}", p.origin, p.image.line, about=task, subject=subject)
    if same_repo:
        p = same_repo[0]
        shown = ", ".join(sorted({":" + show(pushed_tag(q)) for q in same_repo}))
        return at(FAIL, f"the workflow pushes '{repo}' only as {shown} ({where(p.origin)}), but the {who} pulls ':{tag}': the redeploy would start the old image", p.origin, p.image.line, about=task, subject=subject)
    symbolic = [p for p in pushes if repository(p.image) is None]
    if symbolic:
        p = symbolic[0]
        return at(UNKNOWN, f"no push names '{repo}' (which the {who} pulls), but {where(p.origin)} pushes {show(p.image.text)}: {why_not_known(p.image.repository)}", p.origin, p.image.line, about=task, subject=subject)
    if unread:
        return at(UNKNOWN, f"no push the loader read sends '{repo}:{tag}' (the {who} pulls it), but a step is not read: {describe_gaps(unread)}", unread[0].origin, about=task, subject=subject)
    return at(FAIL, f"no workflow pushes '{repo}:{tag}', which the {who} of {task.address} pulls ({describe(c.image, quote=True)})", top, about=task, subject=subject)


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    if not deployment.workflows:
        yield no_workflow("CTJ040")
        return
    pushes = [p for wf in deployment.workflows for p in wf.pushes]
    findings = [f for p in pushes for f in _judge_push(p, deployment, config)]
    images = list(_task_images(deployment, config, pushes))
    findings += images
    repos = sorted({r for p in pushes if (r := repository(p.image)) is not None and p.image.is_ecr is not False})
    pulled = [f for f in images if f.status == PASS]
    summary = f"every ECR repository the workflow pushes to is in scope ({', '.join(repos) or 'none'})"
    if pulled:
        summary += "; " + "; ".join(f.message for f in pulled)
    passing = at(PASS, summary, anchor(deployment.workflows))
    if pulled:  # located at the first push the task pulls
        passing = Finding(PASS, summary, pulled[0].address, pulled[0].location, pulled[0].subject)
    yield from problems_or_pass(findings, passing)


BAD = """\
# against the Stage 1 plan: the old fullstack repository, and a commit-SHA tag
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - id: ecr
        uses: aws-actions/amazon-ecr-login@v2
      - run: |
          docker build -f stage/Dockerfile -t ${{ steps.ecr.outputs.registry }}/civic-tech-jobs-fullstack:${{ github.sha }} .
          docker push ${{ steps.ecr.outputs.registry }}/civic-tech-jobs-fullstack:${{ github.sha }}
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
          docker build -f stage/frontend.Dockerfile -t ${{ steps.ecr.outputs.registry }}/civic-tech-jobs-frontend:stage .
          docker push ${{ steps.ecr.outputs.registry }}/civic-tech-jobs-frontend:stage
"""


RULE = Rule(
    id="CTJ040",
    title="images pushed where the task pulls",
    severity=ERROR,
    summary="the deploy workflow (`--workflow`) pushes only to ECR repositories in scope, and pushes the frontend and backend images the task pulls, with the tag it pulls",
    rationale=(
        "The deploy workflow and the Terraform land in lockstep (docs/decision.md#lockstep-with-the-deploy-workflow): "
        "the workflow builds the two images and pushes them with the `stage` tag to civic-tech-jobs-frontend and "
        "civic-tech-jobs-backend (docs/decision.md#images-and-repositories). A push to a repository the plan does not "
        "have (the legacy fullstack repository once Stage 1 removes it, a Postgres repository) fails the deploy; an "
        "image pushed under another tag (a commit SHA) or to another repository is never pulled, and the redeploy "
        "restarts the task on the old images. Repositories are compared by name; a tag the workflow computes at run "
        "time is unknown unless it can never be the pulled tag (a commit SHA is never `stage`)."
    ),
    remediation=(
        "Push each image the task runs to its repository with the tag the task definition pulls "
        "(docker push <registry>/civic-tech-jobs-frontend:stage and .../civic-tech-jobs-backend:stage), and push "
        "nothing to a repository the Terraform does not create; land the workflow change with the Terraform change."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    needs_workflow=True,
    applies_to=CTJ_TASK,  # judged against THE CTJ task's containers: an unread module may hold it
)
