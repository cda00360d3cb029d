"""CTJ041: the workflow's redeploy targets the CTJ service and its cluster."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..config import Config
from ..model import ERROR, FAIL, PASS, UNKNOWN, Deployment, Finding, Service, Unknown, describe
from ..queries import ctj_service, explain_unknown
from ..queries.workflows import service_cluster
from ..workflow_model import Redeploy, show
from .base import CTJ_SERVICE, Rule
from .common import NO_SERVICE_SUBJECT, resource_subject
from .lockstep import (
    REDEPLOY_GAPS,
    anchor,
    at,
    describe_gaps,
    gaps,
    no_workflow,
    problems_or_pass,
    where,
    whole,
    why_not_known,
)


def _compare(what: str, got: Any, want: Any, r: Redeploy, line: int, service: Service) -> Finding | None:
    """A finding when the redeploy's ``what`` (service/cluster) is not, or may not be, the CTJ service's."""
    if not isinstance(want, str):
        return at(UNKNOWN, f"cannot tell the {what} of {service.address}, which {where(r.origin)} must redeploy: {explain_unknown(want)}", r.origin, line, about=service)
    if not isinstance(got, str):
        return at(UNKNOWN, f"cannot tell which {what} {where(r.origin)} redeploys: {why_not_known(got)}", r.origin, line, about=service)
    if got != want:
        actual = f"is '{want}' ({service.address})" if what == "service" else f"({service.address}) runs on cluster '{want}'"
        return at(FAIL, f"{where(r.origin)} redeploys {what} '{got}', but the CTJ service in scope {actual}: the new images never reach the task", r.origin, line, about=service)
    return None


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    workflows = deployment.workflows
    if not workflows:
        yield no_workflow("CTJ041")
        return
    top = anchor(workflows)
    # a deploy-task-definition without `service` only registers a task definition: not a redeploy
    redeploys = [r for wf in workflows for r in wf.redeploys if r.service is not None]
    service = ctj_service(deployment, config)
    if isinstance(service, Unknown):
        yield at(UNKNOWN, f"cannot tell which ECS service runs the CTJ task, so not whether the workflow redeploys it: {explain_unknown(service)}", top, subject=NO_SERVICE_SUBJECT)
        return
    if service is None:
        targets = ", ".join(f"'{show(r.service_name)}'" for r in redeploys) or "no service"
        yield at(FAIL, f"no ECS service in scope runs the CTJ task (see CTJ011); the workflow redeploys {targets}", redeploys[0].origin if redeploys else top, subject=NO_SERVICE_SUBJECT)
        return
    if not redeploys:
        unread = gaps(workflows, REDEPLOY_GAPS)
        if unread:
            yield at(UNKNOWN, f"no redeploy the loader read targets {service.address}, but a step is not read: {describe_gaps(unread)}", unread[0].origin, about=service)
        else:
            want = f"aws ecs update-service --cluster {describe(service_cluster(service))} --service {describe(service.name)} --force-new-deployment"
            yield at(FAIL, f"the workflow redeploys no ECS service: the images it pushes reach the task only when {service.address} is redeployed ({want})", top, about=service, subject=whole(workflows))
        return
    findings = []
    for r in redeploys:
        for what, got, want, line in (
            ("service", r.service_name, service.name, r.service_line),
            ("cluster", r.cluster_name, service_cluster(service), r.cluster_line),
        ):
            found = _compare(what, got, want, r, line, service)
            if found is not None:
                findings.append(found)
    first = redeploys[0]
    # the pass is yielded only when every redeploy named the service: its name is then a known string
    names = f"service '{service.name}' on cluster '{service_cluster(service)}'"
    passing = at(PASS, f"{where(first.origin)} redeploys the CTJ {names} ({service.address})", first.origin, first.service_line, about=service, subject=resource_subject(service))
    yield from problems_or_pass(findings, passing)


BAD = """\
# against the Stage 1 plan: the legacy fullstack service, which Stage 1 removes
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: aws ecs update-service --cluster incubator-prod --service civic-tech-jobs-fs-stage --force-new-deployment
"""

GOOD = """\
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: aws ecs update-service --cluster incubator-prod --service civic-tech-jobs-stage --force-new-deployment
"""


RULE = Rule(
    id="CTJ041",
    title="redeploy targets the CTJ service",
    severity=ERROR,
    summary="the service and cluster the deploy workflow redeploys (`aws ecs update-service`, `amazon-ecs-deploy-task-definition`) are the CTJ service in scope and its cluster",
    rationale=(
        "The deploy workflow forces a redeployment of the ECS service after pushing the images "
        "(docs/decision.md#images-and-repositories), and must change in lockstep with the Terraform "
        "(docs/decision.md#lockstep-with-the-deploy-workflow): once Stage 1 replaces the fullstack service, a workflow "
        "that still redeploys civic-tech-jobs-fs-stage fails, and the task keeps running the previous images. "
        "The service is the one that runs the CTJ task; its cluster is the service's `cluster` (a name or ARN; "
        "unset is the cluster named `default`); a cluster the same configuration creates (`aws_ecs_cluster.main.id`, "
        "known only after apply) is compared by the name its block gives it. A workflow that redeploys nothing fails "
        "too. A name the workflow computes at run time, or a cluster whose name is known only after apply, is unknown."
    ),
    remediation=(
        "Redeploy the service that runs the CTJ task, on its cluster: aws ecs update-service --cluster incubator-prod "
        "--service civic-tech-jobs-stage --force-new-deployment (or the `service`/`cluster` inputs of "
        "aws-actions/amazon-ecs-deploy-task-definition), and change it in the same change as the Terraform."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    needs_workflow=True,
    applies_to=CTJ_SERVICE,  # judged against the service running THE CTJ task: an unread module may hold either
)
