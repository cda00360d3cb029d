"""CTJ026: a single writer: desired_count <= 1, maximum 100%, minimum healthy 0%, no autoscaling above 1."""

from __future__ import annotations

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, Ref, Unknown

from .builders import (
    AT_SERVICE,
    AT_TASK,
    HINT,
    NO_TASK,
    SCOPE,
    SERVICE,
    TASK,
    TF_SERVICE,
    autoscaling,
    case,
    chain,
    findings,
    hcl_findings,
    loc,
    no_service,
    no_task,
    on_service,
    second_service,
    sub,
    tf_tree,
)

RULE = "CTJ026"
PASS = ("pass", f"{SERVICE} runs one task at a time (desired_count <= 1, maximum 100%, minimum healthy 0%) and does not autoscale", AT_SERVICE)
TARGET = f"{SCOPE}.aws_appautoscaling_target.ecs"
MAX = "it must be at most 100 (no second task during a deploy)"
MIN = "it must be 0 (else a one-task deploy stalls)"


def fail(message):
    return ("fail", message, AT_SERVICE)


def dimension(value):
    def mutate(dep):
        dep.autoscaling_targets[-1].scalable_dimension = value
        return dep

    return mutate


CASES = [
    case("stage1", chain(), PASS),
    case("desired_count unset (AWS default 0)", chain(on_service(desired_count=None)), PASS),
    case("desired_count 0", chain(on_service(desired_count=0)), PASS),
    case("numbers as strings", chain(on_service(desired_count="1", deployment_maximum_percent="100", deployment_minimum_healthy_percent="0")), PASS),
    case("autoscaling capped at 1", chain(lambda d: autoscaling(d, 1)), PASS),
    case("autoscaling another dimension", chain(lambda d: autoscaling(d, 4), dimension("ecs:service:Other")), PASS),
    case("desired_count 2", chain(on_service(desired_count=2)), fail(f"{SERVICE} desired_count is 2; it must be at most 1")),
    case("desired_count not a number", chain(on_service(desired_count="one")), fail(f"{SERVICE} desired_count is 'one'; it must be at most 1")),
    case("maximum 200", chain(on_service(deployment_maximum_percent=200)), fail(f"{SERVICE} deployment_maximum_percent is 200; {MAX}")),
    case("maximum 101", chain(on_service(deployment_maximum_percent=101)), fail(f"{SERVICE} deployment_maximum_percent is 101; {MAX}")),
    case("maximum unset (AWS default 200)", chain(on_service(deployment_maximum_percent=None)), fail(f"{SERVICE} deployment_maximum_percent is unset (AWS default 200); {MAX}")),
    case("minimum healthy unset (AWS default 100)", chain(on_service(deployment_minimum_healthy_percent=None)), fail(f"{SERVICE} deployment_minimum_healthy_percent is unset (AWS default 100); {MIN}")),
    case("minimum healthy 100", chain(on_service(deployment_minimum_healthy_percent=100)), fail(f"{SERVICE} deployment_minimum_healthy_percent is 100; {MIN}")),
    case("minimum healthy 1", chain(on_service(deployment_minimum_healthy_percent=1)), fail(f"{SERVICE} deployment_minimum_healthy_percent is 1; {MIN}")),
    case(
        "AWS defaults everywhere",
        chain(on_service(desired_count=None, deployment_maximum_percent=None, deployment_minimum_healthy_percent=None)),
        fail(f"{SERVICE} deployment_maximum_percent is unset (AWS default 200); {MAX}"),
        fail(f"{SERVICE} deployment_minimum_healthy_percent is unset (AWS default 100); {MIN}"),
    ),
    case(
        "two services run the task",
        chain(second_service(Ref(TASK, "arn"))),
        fail(f"2 services run {TASK}: each starts its own Postgres on the data directory"),
    ),
    case(
        "autoscaling to 3",
        chain(lambda d: autoscaling(d, 3)),
        ("fail", f"autoscaling target {TARGET} allows max_capacity 3: two Postgres servers on one data directory corrupt it"),
    ),
    case(
        "autoscaling to '3' (a string, quoted as every attribute value shown)",
        chain(lambda d: autoscaling(d, "3")),
        ("fail", f"autoscaling target {TARGET} allows max_capacity '3': two Postgres servers on one data directory corrupt it"),
    ),
    case(
        "autoscaling to 2, dimension not known: counts",
        chain(lambda d: autoscaling(d, 2), dimension(Unknown(KNOWN_AFTER_APPLY, "var.dimension"))),
        ("fail", f"autoscaling target {TARGET} allows max_capacity 2: two Postgres servers on one data directory corrupt it"),
    ),
    case("no service", chain(no_service), ("fail", f"no aws_ecs_service in scope runs {TASK}", AT_TASK)),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: no service to check for a single writer")),
    case("desired_count as '+1'", chain(on_service(desired_count="+1")), PASS),
    case(
        "an autoscaling target of another dimension does not hide the next one",
        chain(lambda d: autoscaling(d, 4, f"{SCOPE}.aws_appautoscaling_target.other"), dimension("ecs:service:Other"), lambda d: autoscaling(d, 3)),
        ("fail", f"autoscaling target {TARGET} allows max_capacity 3: two Postgres servers on one data directory corrupt it"),
    ),
    # unknown: every branch
    case(
        "desired_count unknown, maximum 200 still checked",
        chain(on_service(desired_count=Unknown(KNOWN_AFTER_APPLY, "var.count"), deployment_maximum_percent=200)),
        ("unknown", f"desired_count of {SERVICE} is not known: var.count is known after apply; {HINT}", AT_SERVICE),
        fail(f"{SERVICE} deployment_maximum_percent is 200; {MAX}"),
    ),
    case(
        "a located autoscaling target, max_capacity unknown",
        chain(lambda d: autoscaling(d, Unknown(KNOWN_AFTER_APPLY, "var.max_capacity"), location=loc(12, "autoscaling.tf"))),
        ("unknown", f"max_capacity of {TARGET} is not known: var.max_capacity is known after apply; {HINT}", "autoscaling.tf:12"),
    ),
    case(
        "which service runs the task is unknown",
        chain(on_service(task_definition=Unknown(KNOWN_AFTER_APPLY, f"{SERVICE}.task_definition"))),
        ("unknown", f"cannot tell which service runs {TASK}: task_definition of {SERVICE} is unresolved reference (cannot tell whether it runs {TASK})", AT_TASK),
    ),
    case(
        "desired_count unknown",
        chain(on_service(desired_count=Unknown(KNOWN_AFTER_APPLY, "var.count"))),
        ("unknown", f"desired_count of {SERVICE} is not known: var.count is known after apply; {HINT}", AT_SERVICE),
    ),
    case(
        "maximum percent unknown",
        chain(on_service(deployment_maximum_percent=Unknown(KNOWN_AFTER_APPLY, "var.max"))),
        ("unknown", f"deployment_maximum_percent of {SERVICE} is not known: var.max is known after apply; {HINT}", AT_SERVICE),
    ),
    case(
        "minimum healthy percent from a module output",
        chain(on_service(deployment_minimum_healthy_percent=Ref(f"{SCOPE}.module.deploy", "min"))),
        ("unknown", f"deployment_minimum_healthy_percent of {SERVICE} is not known: {SCOPE}.module.deploy.min is known only after apply", AT_SERVICE),
    ),
    case(
        "autoscaling max_capacity unknown",
        chain(lambda d: autoscaling(d, Unknown(KNOWN_AFTER_APPLY, "var.max_capacity"))),
        ("unknown", f"max_capacity of {TARGET} is not known: var.max_capacity is known after apply; {HINT}"),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


HCL_PASS = ("pass", "aws_ecs_service.ctj runs one task at a time (desired_count <= 1, maximum 100%, minimum healthy 0%) and does not autoscale", TF_SERVICE)

HCL = [
    case("stage1", {}, HCL_PASS),
    case("maximum 200", {"service.tf": sub("deployment_maximum_percent         = 100", "deployment_maximum_percent         = 200")}, ("fail", f"aws_ecs_service.ctj deployment_maximum_percent is 200; {MAX}", TF_SERVICE)),
    case(
        "maximum not set",
        {"service.tf": sub("  deployment_maximum_percent         = 100\n", "")},
        ("fail", f"aws_ecs_service.ctj deployment_maximum_percent is unset (AWS default 200); {MAX}", TF_SERVICE),
    ),
    case("desired_count 2", {"service.tf": sub("desired_count                      = 1", "desired_count                      = 2")}, ("fail", "aws_ecs_service.ctj desired_count is 2; it must be at most 1", TF_SERVICE)),
    case(
        "an autoscaling target up to 2",
        {"autoscaling.tf": 'resource "aws_appautoscaling_target" "ctj" {\n  max_capacity       = 2\n  min_capacity       = 1\n  service_namespace  = "ecs"\n'
                           '  scalable_dimension = "ecs:service:DesiredCount"\n  resource_id        = "service/incubator-prod/${aws_ecs_service.ctj.name}"\n}\n'},
        ("fail", "autoscaling target aws_appautoscaling_target.ctj allows max_capacity 2: two Postgres servers on one data directory corrupt it", "autoscaling.tf:1"),
    ),
    case(
        "desired_count from a variable with no value",
        {"service.tf": sub("desired_count                      = 1", "desired_count                      = var.desired"), "variables.tf": 'variable "desired" {\n  type = number\n}\n'},
        ("unknown", "desired_count of aws_ecs_service.ctj is not known: var.desired is unresolved reference (the variable has no value and no default: pass --var/--var-file)", TF_SERVICE),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("stage1", [("pass", "service", SERVICE, None)]),
    ("no task", [("fail", "task", "", None)]),
    ("no service", [("fail", "task", TASK, None)]),
    ("which service runs the task is unknown", [("unknown", "task", TASK, None)]),
    ("two services run the task", [("fail", "service", SERVICE, None)]),
    ("desired_count unknown, maximum 200 still checked", [("unknown", "service", SERVICE, None), ("fail", "service", SERVICE, None)]),
    ("autoscaling to 3", [("fail", "block", TARGET, None)]),
    ("autoscaling max_capacity unknown", [("unknown", "block", TARGET, None)]),
])
def test_what_the_findings_are_about(name, expected):
    """Each finding's subject (kind, name, container): what a baseline fingerprint and the diagram key on."""
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
