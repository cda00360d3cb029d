"""CTJ003: the task's containers share one network namespace (network_mode awsvpc)."""

from __future__ import annotations

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, Container, Ref, TaskDefinition, Unknown

from .builders import (
    AT_TASK,
    HINT,
    NO_TASK,
    SCOPE,
    TASK,
    TF_TASK,
    case,
    chain,
    edit,
    findings,
    hcl_findings,
    no_task,
    on_task,
    renamed,
    sub,
    tf_tree,
)

RULE = "CTJ003"


def add_task(address, network_mode, containers):
    def mutate(dep):
        dep.task_definitions.append(TaskDefinition(address, network_mode=network_mode, containers=containers))
        return dep

    return mutate

CASES = [
    case("awsvpc", chain(), ("pass", f"task {TASK} uses network_mode awsvpc: containers share localhost", AT_TASK)),
    case(
        "unset (bridge on EC2)",
        chain(on_task(network_mode=None)),
        ("fail", f"task {TASK} does not set network_mode (bridge on EC2: containers do not share localhost); set network_mode = \"awsvpc\"", AT_TASK),
    ),
    case("bridge", chain(on_task(network_mode="bridge")), ("fail", f"task {TASK} uses network_mode 'bridge'; containers share localhost only with \"awsvpc\"", AT_TASK)),
    case("host", chain(on_task(network_mode="host")), ("fail", f"task {TASK} uses network_mode 'host'; containers share localhost only with \"awsvpc\"", AT_TASK)),
    case("AWSVPC in capitals is not a network mode", chain(on_task(network_mode="AWSVPC")), ("fail", f"task {TASK} uses network_mode 'AWSVPC'; containers share localhost only with \"awsvpc\"", AT_TASK)),
    case(
        "two tasks: the one whose containers play the roles is the CTJ task, whatever the address order",
        chain(renamed, add_task(f"{SCOPE}.aws_ecs_task_definition.aaa", "bridge", ()), symbolic=True),
        ("pass", f"task {TASK} uses network_mode awsvpc: containers share localhost", AT_TASK),
    ),
    case(
        "two tasks: a task with unknown containers does not outrank the CTJ task",
        chain(add_task(f"{SCOPE}.aws_ecs_task_definition.aaa", "bridge", Unknown(KNOWN_AFTER_APPLY, "var.containers"))),
        ("pass", f"task {TASK} uses network_mode awsvpc: containers share localhost", AT_TASK),
    ),
    case(
        "two tasks with no roles: the first by address",
        chain(lambda d: edit(edit(edit(d, "django", name="a", image="busybox"), "nextjs", name="b", image="busybox"), "postgres", name="c", image="busybox"),
              add_task(f"{SCOPE}.module.zzz.aws_ecs_task_definition.zzz", "bridge", ())),
        ("pass", f"task {TASK} uses network_mode awsvpc: containers share localhost", AT_TASK),
    ),
    case(
        "two tasks, the decoy listed first and holding a database: the roles told by ECR references decide",
        chain(renamed, lambda d: [d.task_definitions.insert(0, TaskDefinition(f"{SCOPE}.aws_ecs_task_definition.aaa", network_mode="bridge", containers=(Container(name="db", image="postgres:18"),))), d][1], symbolic=True),
        ("pass", f"task {TASK} uses network_mode awsvpc: containers share localhost", AT_TASK),
    ),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: network_mode cannot be awsvpc")),
    # unknown: every branch (an Unknown, a Ref)
    case(
        "unresolved variable",
        chain(on_task(network_mode=Unknown("unresolved reference", "var.network_mode", "no value given"))),
        ("unknown", f"network_mode of {TASK} is not known: var.network_mode is unresolved reference (no value given)", AT_TASK),
    ),
    case(
        "known after apply",
        chain(on_task(network_mode=Unknown(KNOWN_AFTER_APPLY, f"{TASK}.network_mode"))),
        ("unknown", f"network_mode of {TASK} is not known: {TASK}.network_mode is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "known after apply, the detail already says how to supply it",
        chain(on_task(network_mode=Unknown(KNOWN_AFTER_APPLY, f"{TASK}.network_mode", "pass --source-dir DIR"))),
        ("unknown", f"network_mode of {TASK} is not known: {TASK}.network_mode is known after apply (pass --source-dir DIR)", AT_TASK),
    ),
    case(
        "from a module output",
        chain(on_task(network_mode=Ref(f"{SCOPE}.module.net", "mode"))),
        ("unknown", f"network_mode of {TASK} is not known: {SCOPE}.module.net.mode is known only after apply", AT_TASK),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


HCL = [
    case("awsvpc", {}, ("pass", "task aws_ecs_task_definition.ctj uses network_mode awsvpc: containers share localhost", TF_TASK)),
    case(
        "bridge",
        {"task.tf": sub('network_mode             = "awsvpc"', 'network_mode             = "bridge"')},
        ("fail", "task aws_ecs_task_definition.ctj uses network_mode 'bridge'; containers share localhost only with \"awsvpc\"", TF_TASK),
    ),
    case(
        "unset",
        {"task.tf": sub('  network_mode             = "awsvpc"\n', "")},
        ("fail", "task aws_ecs_task_definition.ctj does not set network_mode (bridge on EC2: containers do not share localhost); set network_mode = \"awsvpc\"", TF_TASK),
    ),
    case(
        "from a variable's default",
        {"task.tf": sub('network_mode             = "awsvpc"', "network_mode             = var.mode"), "variables.tf": 'variable "mode" {\n  default = "awsvpc"\n}\n'},
        ("pass", "task aws_ecs_task_definition.ctj uses network_mode awsvpc: containers share localhost", TF_TASK),
    ),
    case(
        "from a variable with no value",
        {"task.tf": sub('network_mode             = "awsvpc"', "network_mode             = var.mode"), "variables.tf": 'variable "mode" {\n  type = string\n}\n'},
        ("unknown", "network_mode of aws_ecs_task_definition.ctj is not known: var.mode is unresolved reference (the variable has no value and no default: pass --var/--var-file)", TF_TASK),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected
