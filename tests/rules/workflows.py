"""What the lockstep rule tests (test_ctj040.py ... test_ctj044.py) share: a deploy workflow written inline,
loaded as ``check --workflow`` loads it, attached to the test model of ``builders``.

``GOOD`` is a correct Stage 1 workflow; ``good(**changes)`` rewrites one of its parts.  Its lines:
7 id-token, 9 the credentials step (label ``deploy/step 1``), 11 role-to-assume, 18/19 backend build/push,
20/21 frontend build/push (label ``deploy/images``), 23 the redeploy (label ``deploy/redeploy``).
``model()`` is the Stage 1 model of ``builders`` with its service on the incubator-prod cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ctj_policy.loaders.workflow import load_workflow
from ctj_policy.model import Deployment
from ctj_policy.rules import get_rule

from .builders import CONFIG, legacy, stage1

CLUSTER_ARN = "arn:aws:ecs:us-west-2:123456789012:cluster/incubator-prod"


def on_cluster(dep: Deployment, cluster: Any = CLUSTER_ARN) -> Deployment:
    for s in dep.services:
        s.cluster = cluster
    return dep


def model() -> Deployment:
    return on_cluster(stage1())


def legacy_model() -> Deployment:
    return on_cluster(legacy())

ECR = "${{ steps.ecr.outputs.registry }}"
PARTS = {
    "id_token": "write",
    "credentials": "role-to-assume: arn:aws:iam::123456789012:role/incubator-cicd-civic-tech-jobs",
    "backend": f"{ECR}/civic-tech-jobs-backend:stage",
    "frontend": f"{ECR}/civic-tech-jobs-frontend:stage",
    "build_args": "--build-arg NEXT_PUBLIC_API_URL=https://stage.civictechjobs.org",
    "frontend_env": "{}",
    "extra": "",
    "cluster": "incubator-prod",
    "service": "civic-tech-jobs-stage",
}
GOOD = """\
name: deploy-stage
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      id-token: {id_token}
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          {credentials}
          aws-region: us-west-2
      - id: ecr
        uses: aws-actions/amazon-ecr-login@v2
      - id: images
        env: {frontend_env}
        run: |
          docker build -f stage/backend.Dockerfile -t {backend} .
          docker push {backend}
          docker build -f stage/frontend.Dockerfile {build_args} -t {frontend} .
          docker push {frontend}{extra}
      - id: redeploy
        run: aws ecs update-service --cluster {cluster} --service {service} --force-new-deployment
"""
FILE = "deploy.yml"
# a job that logs in to ECR as step 1 (lines 1-8); the steps a test adds start at line 9
IMAGES_JOB = """\
name: deploy-stage
on: push
jobs:
  images:
    runs-on: ubuntu-latest
    steps:
      - id: login
        uses: aws-actions/amazon-ecr-login@v2
"""


def good(**changes: str) -> str:
    return GOOD.format(**{**PARTS, **changes})


def attach(text: str, tmp_path: Path, dep: Deployment | None = None, name: str = FILE) -> Deployment:
    """``dep`` (default: the Stage 1 model) with the workflow ``text`` attached, loaded from ``tmp_path/name``."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    dep = dep if dep is not None else model()
    dep.workflows.append(load_workflow(str(path), CONFIG))
    return dep


def rows(rule_id: str, dep: Deployment, config=CONFIG, subjects: bool = False) -> list[tuple]:
    """Every finding of the rule: (status, message, "file-name:line"); every finding is located in a workflow.
    With ``subjects``, a fourth item: the finding's subject as "kind:name", workflow paths shown by file name."""
    out = []
    for f in get_rule(rule_id).check(dep, config):
        assert f.location is not None and f.subject is not None, f.message
        row = (f.status, f.message, f"{Path(f.location.file).name}:{f.location.line}")
        if subjects:
            name = ", ".join(Path(p).name if "/" in p and Path(p).is_absolute() else p for p in f.subject.name.split(", "))
            row += (f"{f.subject.kind}:{name}",)
        out.append(row)
    return out


def run_case(rule_id: str, tmp_path: Path, text: str, model: Callable[[], Deployment] | None, expected: list, config=CONFIG) -> None:
    """Run the rule on the workflow ``text`` and compare each finding with ``expected``: a row
    (status, message, "file:line"), or with a fourth item, the subject ("workflow:deploy.yml" for the workflow as
    a whole, "workflow:job/step" for a step, "service:ADDRESS" ...), compared too."""
    dep = attach(text, tmp_path, model() if model is not None else None)
    got = rows(rule_id, dep, config, subjects=True)
    shown = [g if len(e) == 4 else g[:3] for g, e in zip(got, expected, strict=False)] + [g[:3] for g in got[len(expected):]]
    assert shown == expected, got


def without_workflow(rule_id: str) -> list[tuple]:
    """What a lockstep rule says when called on the Stage 1 model with no workflow attached (the engine does not
    run it then): (status, message, subject kind) of each finding."""
    return [(f.status, f.message, f.subject.kind) for f in get_rule(rule_id).check(stage1(), CONFIG)]


def at(line: int, name: str = FILE) -> str:
    return f"{name}:{line}"

