"""CTJ041: the redeploy targets the CTJ service and its cluster (a workflow written inline, against the test model)."""

from __future__ import annotations

import pytest

from ctj_policy.model import Ref, TaskDefinition

from .builders import SCOPE, SERVICE, TASK, after_apply, no_service, on_service
from .workflows import CLUSTER_ARN, at, good, legacy_model, model, on_cluster, run_case, without_workflow

RULE = "CTJ041"
REDEPLOY = "'deploy/redeploy'"
LEGACY_SERVICE = f"{SCOPE}.module.civic_tech_jobs_fullstack_stage_service.aws_ecs_service.fargate[0]"
PASS = ("pass", f"{REDEPLOY} redeploys the CTJ service 'civic-tech-jobs-stage' on cluster 'incubator-prod' ({SERVICE})", at(23))
NO_REDEPLOY = good().rsplit("      - id: redeploy", 1)[0]

# the redeploy by aws-actions/amazon-ecs-deploy-task-definition: `service` at line 26, `cluster` at line 27
DEPLOY_ACTION = NO_REDEPLOY + """\
      - id: redeploy
        uses: aws-actions/amazon-ecs-deploy-task-definition@v2
        with:
          task-definition: td.json
          service: SERVICE
          cluster: CLUSTER
"""
WORKER = f"{SCOPE}.aws_ecs_task_definition.worker"


def action(service="civic-tech-jobs-stage", cluster="incubator-prod"):
    return DEPLOY_ACTION.replace("SERVICE", service).replace("CLUSTER", cluster)


def second_task(dep):
    """A second task definition with no container, first in the list: the CTJ task is the one with the roles."""
    dep.task_definitions.insert(0, TaskDefinition(WORKER, family="ctj-worker", containers=()))
    return dep


def case(name, text, expected, build=None):
    return pytest.param(text, build, expected, id=name)


CASES = [
    case("stage1", good(), [PASS]),
    case("cluster by ARN", good(cluster="arn:aws:ecs:us-west-2:123456789012:cluster/incubator-prod"), [PASS]),
    case("service by ARN", good(service="arn:aws:ecs:us-west-2:123456789012:service/incubator-prod/civic-tech-jobs-stage"), [PASS]),
    case("the legacy service", good(service="civic-tech-jobs-fs-stage"), [
        ("fail", f"{REDEPLOY} redeploys service 'civic-tech-jobs-fs-stage', but the CTJ service in scope is 'civic-tech-jobs-stage' ({SERVICE}): the new images never reach the task", at(23)),
    ]),
    case("another cluster", good(cluster="incubator-stage"), [
        ("fail", f"{REDEPLOY} redeploys cluster 'incubator-stage', but the CTJ service in scope ({SERVICE}) runs on cluster 'incubator-prod': the new images never reach the task", at(23)),
    ]),
    case("a service name from a variable is unknown", good(service="${{ vars.SERVICE }}"), [
        ("unknown", f"cannot tell which service {REDEPLOY} redeploys: ${{{{ vars.SERVICE }}}} is a run-time value", at(23)),
    ]),
    case("no redeploy", NO_REDEPLOY, [
        ("fail", f"the workflow redeploys no ECS service: the images it pushes reach the task only when {SERVICE} is redeployed (aws ecs update-service --cluster incubator-prod --service civic-tech-jobs-stage --force-new-deployment)", at(4), "workflow:deploy.yml"),
    ]),
    case("no redeploy read, but a script is not read", NO_REDEPLOY + "      - run: ./deploy.sh\n", [
        ("unknown", f"no redeploy the loader read targets {SERVICE}, but a step is not read: the script ./deploy.sh is not read ('deploy/step 4', line 22)", at(22)),
    ]),
    case("no service runs the task", good(), [
        ("fail", "no ECS service in scope runs the CTJ task (see CTJ011); the workflow redeploys 'civic-tech-jobs-stage'", at(23)),
    ], lambda: no_service(model())),
    case("the service's cluster known only after apply", good(), [
        ("unknown", f"cannot tell the cluster of {SERVICE}, which {REDEPLOY} must redeploy: aws_ecs_cluster.main.id is known only after apply", at(23)),
    ], lambda: on_cluster(model(), Ref("aws_ecs_cluster.main", "id"))),
    # a cluster the configuration creates: the loaders name it by its block's name (loaders/clusters.py)
    case("the service's cluster by name", good(), [PASS], lambda: on_cluster(model(), "incubator-prod")),
    case("the service's cluster by name, the redeploy's by ARN", good(cluster=CLUSTER_ARN), [PASS], lambda: on_cluster(model(), "incubator-prod")),
    case("the service's cluster by name, another cluster redeployed", good(cluster="incubator-stage"), [
        ("fail", f"{REDEPLOY} redeploys cluster 'incubator-stage', but the CTJ service in scope ({SERVICE}) runs on cluster 'incubator-prod': the new images never reach the task", at(23)),
    ], lambda: on_cluster(model(), "incubator-prod")),
    case("the service's cluster named otherwise", good(), [
        ("fail", f"{REDEPLOY} redeploys cluster 'incubator-prod', but the CTJ service in scope ({SERVICE}) runs on cluster 'incubator-stage': the new images never reach the task", at(23)),
    ], lambda: on_cluster(model(), "incubator-stage")),
    case("cluster unset is 'default'", good(), [
        ("fail", f"{REDEPLOY} redeploys cluster 'incubator-prod', but the CTJ service in scope ({SERVICE}) runs on cluster 'default': the new images never reach the task", at(23)),
    ], lambda: on_cluster(model(), None)),
    case("cluster unset, redeployed on 'default'", good(cluster="default"), [
        ("pass", f"{REDEPLOY} redeploys the CTJ service 'civic-tech-jobs-stage' on cluster 'default' ({SERVICE})", at(23)),
    ], lambda: on_cluster(model(), None)),
    # mutation testing (issue 14): each finding is at the line of the input it is about (service 26, cluster 27)
    case("deploy-task-definition: the pass is at its service input", action(), [
        ("pass", f"{REDEPLOY} redeploys the CTJ service 'civic-tech-jobs-stage' on cluster 'incubator-prod' ({SERVICE})", at(26), f"service:{SERVICE}"),
    ]),
    case("deploy-task-definition: another service, at its service input", action(service="civic-tech-jobs-fs-stage"), [
        ("fail", f"{REDEPLOY} redeploys service 'civic-tech-jobs-fs-stage', but the CTJ service in scope is 'civic-tech-jobs-stage' ({SERVICE}): the new images never reach the task", at(26)),
    ]),
    case("deploy-task-definition: a cluster from a variable, at its cluster input", action(cluster="${{ vars.CLUSTER }}"), [
        ("unknown", f"cannot tell which cluster {REDEPLOY} redeploys: ${{{{ vars.CLUSTER }}}} is a run-time value", at(27)),
    ]),
    case("deploy-task-definition: the service's cluster known only after apply, at the cluster input", action(), [
        ("unknown", f"cannot tell the cluster of {SERVICE}, which {REDEPLOY} must redeploy: aws_ecs_cluster.main.id is known only after apply", at(27)),
    ], lambda: on_cluster(model(), Ref("aws_ecs_cluster.main", "id"))),
    case("the service's task definition known only after apply", good(), [
        ("unknown", f"cannot tell which ECS service runs the CTJ task, so not whether the workflow redeploys it: task_definition of {SERVICE} is unresolved reference (cannot tell whether it runs {TASK})", at(4), "service:"),
    ], lambda: on_service(task_definition=after_apply(f"{SERVICE}.task_definition"))(model())),
    case("no service and no redeploy", NO_REDEPLOY, [
        ("fail", "no ECS service in scope runs the CTJ task (see CTJ011); the workflow redeploys no service", at(4), "service:"),
    ], lambda: no_service(model())),
    case("no service, two redeploys named", good(extra="\n          aws ecs update-service --cluster incubator-prod --service civic-tech-jobs-fs-stage --force-new-deployment"), [
        ("fail", "no ECS service in scope runs the CTJ task (see CTJ011); the workflow redeploys 'civic-tech-jobs-fs-stage', 'civic-tech-jobs-stage'", at(22), "service:"),
    ], lambda: no_service(model())),
    case("two task definitions: the CTJ service runs the one with the roles", good(), [PASS], lambda: second_task(model())),
    case("the legacy service against the legacy model", good(service="civic-tech-jobs-fs-stage"), [
        ("pass", f"{REDEPLOY} redeploys the CTJ service 'civic-tech-jobs-fs-stage' on cluster 'incubator-prod' ({LEGACY_SERVICE})", at(23)),
    ], legacy_model),
]


@pytest.mark.parametrize(("text", "build", "expected"), CASES)
def test_workflow(text, build, expected, tmp_path):
    run_case(RULE, tmp_path, text, build, expected)


def test_a_deploy_task_definition_without_service_only_registers(tmp_path):
    """amazon-ecs-deploy-task-definition without `service` redeploys nothing: the workflow then redeploys no service."""
    text = NO_REDEPLOY + "      - uses: aws-actions/amazon-ecs-deploy-task-definition@v2\n        with:\n          task-definition: td.json\n"
    run_case(RULE, tmp_path, text, None, [
        ("fail", f"the workflow redeploys no ECS service: the images it pushes reach the task only when {SERVICE} is redeployed (aws ecs update-service --cluster incubator-prod --service civic-tech-jobs-stage --force-new-deployment)", at(4), "workflow:deploy.yml"),
    ])


def test_without_a_workflow_the_rule_says_it_has_none():
    """The engine does not run a lockstep rule without a workflow; called anyway, it says why it cannot judge."""
    assert without_workflow(RULE) == [("unknown", f"no deploy workflow given: {RULE} judges one with the Terraform (--workflow FILE, or workflows = [...] in the config)", "workflow")]


@pytest.mark.parametrize(("text", "build", "expected"), CASES)
def test_every_finding_names_the_ctj_service(text, build, expected, tmp_path):
    """Each finding is about the CTJ service (its address; the pass: the service as subject), or, when no service
    runs the CTJ task, about no service (no address, the empty service subject)."""
    from ctj_policy.queries import ctj_service as _ctj_service
    from ctj_policy.rules import get_rule as _get_rule

    from .builders import CONFIG as _CONFIG
    from .workflows import attach as _attach

    dep = _attach(text, tmp_path, build() if build is not None else None)
    service = _ctj_service(dep, _CONFIG)
    address = getattr(service, "address", None)
    for f in _get_rule(RULE).check(dep, _CONFIG):
        if address is None:
            assert (f.address, f.subject.kind, f.subject.name) == (None, "service", ""), f.message
        else:
            assert f.address == address, f.message
            if f.status == "pass":
                assert (f.subject.kind, f.subject.name) == ("service", address), f.message
