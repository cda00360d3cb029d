"""CTJ001: one task, three containers (frontend, backend, database; one each)."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    UNRESOLVED,
    Container,
    Ref,
    TaskDefinition,
    Template,
    Unknown,
)

from .builders import (
    AFTER_APPLY,
    AT_TASK,
    HINT,
    NO_EVIDENCE,
    REGISTRY,
    SCOPE,
    TASK,
    TF_TASK,
    add_container,
    case,
    chain,
    drop_container,
    edit,
    findings,
    hcl_findings,
    legacy,
    no_role,
    no_task,
    renamed,
    sub,
    task,
    tf_tree,
    unknown_containers,
    unknown_role,
)

RULE = "CTJ001"
PASS = ("pass", f"task {TASK} runs frontend 'nextjs', backend 'django' and database 'postgres'", AT_TASK)
WORKER = f"{SCOPE}.aws_ecs_task_definition.worker"
LEGACY_TASK = f"{SCOPE}.module.civic_tech_jobs_fullstack_stage_service.aws_ecs_task_definition.task"
TWO_TASKS = f"2 aws_ecs_task_definition resources in scope ({TASK}, {WORKER}); Stage 1 runs exactly one task"


def second_task(dep):
    dep.task_definitions.append(TaskDefinition(WORKER, family="ctj-worker", containers=()))
    return dep


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), ("pass", f"task {TASK} runs frontend 'ui', backend 'app' and database 'store'", AT_TASK)),
    case("stage1", chain(), PASS),
    case("stage1 symbolic images (Template from ECR Ref)", chain(symbolic=True), PASS),
    case(
        "roles by image, not name",
        chain(lambda d: edit(edit(edit(d, "django", name="app"), "nextjs", name="ui"), "postgres", name="store")),
        ("pass", f"task {TASK} runs frontend 'ui', backend 'app' and database 'store'", AT_TASK),
    ),
    case("unknown image, role by name", chain(lambda d: edit(d, "django", image=Unknown("known after apply", "image"))), PASS),
    case("no task definition", chain(no_task), ("fail", f"no aws_ecs_task_definition in scope {SCOPE}; Stage 1 runs the three containers in one task")),
    case("two task definitions: one finding each", chain(second_task), ("fail", TWO_TASKS, AT_TASK), ("fail", TWO_TASKS)),
    case(
        "two containers",
        chain(lambda d: drop_container(d, "postgres")),
        ("fail", f"task {TASK} has 2 container(s) ('django', 'nextjs'); Stage 1 needs exactly three: frontend, backend, database", AT_TASK),
    ),
    case(
        "four containers",
        chain(lambda d: add_container(d, Container(name="redis", image="redis:7"))),
        ("fail", f"task {TASK} has 4 container(s) ('django', 'nextjs', 'postgres', 'redis'); Stage 1 needs exactly three: frontend, backend, database", AT_TASK),
    ),
    case(
        "a container with no role",
        chain(no_role("nextjs", "sidecar", "nginx:1.27")),
        ("fail", f"container 'sidecar' of {TASK} is neither frontend, backend nor database (image 'nginx:1.27', name not in the configured role names)", AT_TASK),
    ),
    case(
        "two backends",
        chain(lambda d: edit(d, "nextjs", image=f"{REGISTRY}/civic-tech-jobs-backend:stage")),
        ("fail", f"task {TASK} has 2 backend containers ('django', 'nextjs'); Stage 1 has one each", AT_TASK),
    ),
    case(
        "two databases (postgres image under the frontend's name)",
        chain(lambda d: edit(d, "nextjs", image="postgres:18")),
        ("fail", f"task {TASK} has 2 database containers ('nextjs', 'postgres'); Stage 1 has one each", AT_TASK),
    ),
    case("legacy fullstack", legacy, ("fail", f"task {LEGACY_TASK} has 1 container(s) ('civic-tech-jobs-fs-stage'); Stage 1 needs exactly three: frontend, backend, database")),
    case(
        "no task definition, the whole input as scope",
        chain(no_task, lambda d: setattr(d, "scope", "") or d),
        ("fail", "no aws_ecs_task_definition in scope (whole input); Stage 1 runs the three containers in one task"),
    ),
    case("a task without containers", chain(lambda d: setattr(task(d), "containers", ()) or d), ("fail", f"task {TASK} has 0 container(s) (none); Stage 1 needs exactly three: frontend, backend, database", AT_TASK)),
    # unknown: every branch
    case("unknown container_definitions", chain(unknown_containers), ("unknown", f"cannot count the containers of {TASK}: {AFTER_APPLY}", AT_TASK)),
    case(
        "unknown image and an unhelpful name",
        chain(unknown_role("nextjs", "c2")),
        ("unknown", f"cannot tell the role of container 'c2' of {TASK}: {TASK}.container_definitions.c2.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "image from an unresolved module output and an unhelpful name",
        chain(lambda d: edit(d, "nextjs", name="c2", image=Template((Ref(f"{SCOPE}.module.images", "frontend_url"), ":stage")), **NO_EVIDENCE)),
        ("unknown", f"cannot tell the role of container 'c2' of {TASK}: image of container 'c2' is {UNRESOLVED} (${{{SCOPE}.module.images.frontend_url}} does not name an ECR repository in scope)", AT_TASK),
    ),
    case(
        "a decided fault wins over an undecided role",
        chain(unknown_role("nextjs", "c2"), no_role("postgres", "sidecar", "nginx:1.27")),
        ("fail", f"container 'sidecar' of {TASK} is neither frontend, backend nor database (image 'nginx:1.27', name not in the configured role names)", AT_TASK),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


HCL = [
    case("stage1", {}, ("pass", "task aws_ecs_task_definition.ctj runs frontend 'nextjs', backend 'django' and database 'postgres'", TF_TASK)),
    case(
        "a FireLens sidecar as a fourth container",
        {
            "task.tf": sub("[local.django, local.nextjs, local.postgres]", "[local.django, local.nextjs, local.postgres, local.router]"),
            "router.tf": """\
                locals {
                  router = {
                    name                  = "log-router"
                    image                 = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"
                    firelensConfiguration = { type = "fluentbit" }
                  }
                }
                """,
        },
        ("fail", "task aws_ecs_task_definition.ctj has 4 container(s) ('django', 'nextjs', 'postgres', 'log-router'); Stage 1 needs exactly three: frontend, backend, database", TF_TASK),
    ),
    case(
        "a second task definition",
        {"worker.tf": 'resource "aws_ecs_task_definition" "worker" {\n  family                = "ctj-worker"\n  container_definitions = "[]"\n}\n'},
        ("fail", "2 aws_ecs_task_definition resources in scope (aws_ecs_task_definition.ctj, aws_ecs_task_definition.worker); Stage 1 runs exactly one task", TF_TASK),
        ("fail", "2 aws_ecs_task_definition resources in scope (aws_ecs_task_definition.ctj, aws_ecs_task_definition.worker); Stage 1 runs exactly one task", "worker.tf:1"),
    ),
    case(
        "image from a variable with no value, container named c2",
        {"nextjs.tf": sub('name         = "nextjs"', 'name         = "c2"', '"${aws_ecr_repository.frontend.repository_url}:stage"', "var.frontend_image",
                                  "portMappings = [{ containerPort = 3000 }]", "", 'environment  = [{ name = "NODE_ENV", value = "production" }]', ""),
         "variables.tf": 'variable "frontend_image" {\n  type = string\n}\n'},
        ("unknown", "cannot tell the role of container 'c2' of aws_ecs_task_definition.ctj: var.frontend_image is unresolved reference (the variable has no value and no default: pass --var/--var-file)", TF_TASK),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("stage1", [("pass", "task", TASK, None)]),
    ("no task definition", [("fail", "task", "", None)]),
    ("two task definitions: one finding each", [("fail", "task", TASK, None), ("fail", "task", WORKER, None)]),
    ("unknown container_definitions", [("unknown", "task", TASK, None)]),
    ("four containers", [("fail", "task", TASK, None)]),
    ("two backends", [("fail", "task", TASK, None)]),
    # a container without a role, or whose role is undecided: the verdict is about that container
    ("a container with no role", [("fail", "container", "sidecar", None)]),
    ("unknown image and an unhelpful name", [("unknown", "container", "c2", None)]),
    ("a decided fault wins over an undecided role", [("fail", "container", "sidecar", None)]),
])
def test_what_the_findings_are_about(name, expected):
    """Each finding's subject (kind, name, container): what a baseline fingerprint and the diagram key on."""
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
