"""CTJ011: one service runs the task and attaches backend:8000 and frontend:3000 to their own ip target groups."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    PortMapping,
    Ref,
    TargetGroup,
    Template,
    Unknown,
)

from .builders import (
    AFTER_APPLY,
    AT_SERVICE,
    AT_TASK,
    AT_TG_BACKEND,
    AT_TG_FRONTEND,
    HINT,
    NO_TASK,
    SCOPE,
    SERVICE,
    SVC,
    TASK,
    TF_SERVICE,
    TG_BACKEND,
    TG_FRONTEND,
    case,
    chain,
    edit,
    findings,
    hcl_findings,
    lbs,
    loc,
    no_role,
    no_service,
    no_task,
    on_service,
    on_task,
    on_tg,
    renamed,
    second_service,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
)

RULE = "CTJ011"
PASS = ("pass", f"{SERVICE} runs {TASK} and attaches backend:8000 and frontend:3000 to their own ip target groups", AT_SERVICE)
COPY = f"{SCOPE}.aws_ecs_service.copy"
OTHER_TG = "arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/other/9"
TASK_ARN = "arn:aws:ecs:us-west-2:123456789012:task-definition/civic-tech-jobs-stage:7"
BOTH = ((TG_BACKEND, "django", 8000), (TG_FRONTEND, "nextjs", 3000))

CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), PASS),
    case("stage1", chain(), PASS),
    case("stage1 Refs", chain(symbolic=True), PASS),
    case("task_definition as family:revision", chain(on_service(task_definition="civic-tech-jobs-stage:7")), PASS),
    case("task_definition as family", chain(on_service(task_definition="civic-tech-jobs-stage")), PASS),
    case("task_definition as ARN", chain(on_service(task_definition="arn:aws:ecs:us-west-2:123456789012:task-definition/civic-tech-jobs-stage:7")), PASS),
    case("no service", chain(no_service), ("fail", f"no aws_ecs_service in scope runs {TASK}")),
    case("service runs another task", chain(on_service(task_definition=Ref(f"{SCOPE}.aws_ecs_task_definition.other", "arn"))), ("fail", f"no aws_ecs_service in scope runs {TASK}")),
    case("service runs another family", chain(on_service(task_definition="other-family:3")), ("fail", f"no aws_ecs_service in scope runs {TASK}")),
    case(
        "two services run the task: one finding each",
        chain(second_service(Ref(TASK, "arn"))),
        ("fail", f"2 services run {TASK} ({SERVICE}, {COPY}); Stage 1 has one", AT_SERVICE),
        ("fail", f"2 services run {TASK} ({SERVICE}, {COPY}); Stage 1 has one"),
    ),
    case("frontend not attached", chain(lbs(BOTH[0])), ("fail", f"no load_balancer block of {SERVICE} attaches the frontend container 'nextjs' (port 3000)", AT_SERVICE)),
    case(
        "backend on the wrong port",
        chain(lbs((TG_BACKEND, "django", 8080), BOTH[1])),
        ("fail", f"{SERVICE} attaches backend container 'django' on port 8080, expected 8000", AT_SERVICE),
    ),
    case("container_port as a string", chain(lbs((TG_BACKEND, "django", "8000"), BOTH[1])), PASS),
    case("port not in portMappings", chain(lambda d: edit(d, "nextjs", port_mappings=())), ("fail", "frontend container 'nextjs' has no portMappings containerPort 3000 (has none)", AT_SERVICE)),
    case(
        "portMappings has another port",
        chain(lambda d: edit(d, "nextjs", port_mappings=(PortMapping(3001), PortMapping(80)))),
        ("fail", "frontend container 'nextjs' has no portMappings containerPort 3000 (has [80, 3001])", AT_SERVICE),
    ),
    case(
        "both on one target group",
        chain(lbs(BOTH[0], (TG_BACKEND, "nextjs", 3000))),
        ("fail", f"{SERVICE} attaches the backend and the frontend to the same target group {TG_BACKEND}; path routing needs two", AT_SERVICE),
    ),
    case(
        "target_type unset",
        chain(on_tg(TG_FRONTEND, target_type=None)),
        ("fail", f'{TG_FRONTEND} does not set target_type (defaults to "instance"); awsvpc tasks register by IP: set target_type = "ip"', AT_TG_FRONTEND),
    ),
    case(
        "target_type instance",
        chain(on_tg(TG_BACKEND, target_type="instance")),
        ("fail", f"{TG_BACKEND} has target_type 'instance'; awsvpc tasks register by IP: set target_type = \"ip\"", AT_TG_BACKEND),
    ),
    case(
        "target group not in scope",
        chain(lbs(BOTH[0], (OTHER_TG, "nextjs", 3000))),
        ("fail", f"the frontend load_balancer block of {SERVICE} names target group '{OTHER_TG}', which is not in scope", AT_SERVICE),
    ),
    case(
        "no backend container",
        chain(no_role("django", "worker", "busybox")),
        ("fail", f"task {TASK} has no backend container to attach to the backend target group", AT_TASK),
    ),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: no service can attach it to the target groups")),
    case(
        "task_definition as a template of the task's family and revision",
        chain(on_service(task_definition=Template((Ref(TASK, "family"), ":", Ref(TASK, "revision")))), symbolic=True),
        PASS,
    ),
    case(
        "task_definition as a template of another task's family",
        chain(on_service(task_definition=Template((Ref(f"{SCOPE}.aws_ecs_task_definition.other", "family"), ":7")))),
        ("fail", f"no aws_ecs_service in scope runs {TASK}"),
    ),
    case("task_definition unset", chain(on_service(task_definition=None)), ("fail", f"no aws_ecs_service in scope runs {TASK}")),
    case(
        "the task's ARN is known: another family's ARN is not it",
        chain(on_task(arn=TASK_ARN), on_service(task_definition="arn:aws:ecs:us-west-2:123456789012:task-definition/other:1")),
        ("fail", f"no aws_ecs_service in scope runs {TASK}"),
    ),
    case("the task's ARN is known and named", chain(on_task(arn=TASK_ARN, family="renamed-family"), on_service(task_definition=TASK_ARN)), PASS),
    case(
        "a target group named by a resource address not in scope",
        chain(lbs(BOTH[0], (Ref(f"{SCOPE}.aws_lb_target_group.gone", "arn"), "nextjs", 3000))),
        ("fail", f"the frontend load_balancer block of {SERVICE} names target group ${{{SCOPE}.aws_lb_target_group.gone.arn}}, which is not in scope", AT_SERVICE),
    ),
    case(
        "backend role undecided, the frontend still checked",
        chain(unknown_role("django", "c1"), lbs((TG_BACKEND, "c1", 8000), (TG_FRONTEND, "nextjs", 3001))),
        ("unknown", f"cannot tell which container of {TASK} is the backend: {TASK}.container_definitions.c1.image is known after apply; {HINT}", AT_TASK),
        ("fail", f"{SERVICE} attaches frontend container 'nextjs' on port 3001, expected 3000", AT_SERVICE),
    ),
    case(
        "no backend container, the frontend still checked",
        chain(no_role("django", "worker", "busybox"), lbs((TG_FRONTEND, "nextjs", 3001),)),
        ("fail", f"task {TASK} has no backend container to attach to the backend target group", AT_TASK),
        ("fail", f"{SERVICE} attaches frontend container 'nextjs' on port 3001, expected 3000", AT_SERVICE),
    ),
    case(
        "backend not attached, the frontend still checked",
        chain(lbs((TG_FRONTEND, "nextjs", 3001),)),
        ("fail", f"no load_balancer block of {SERVICE} attaches the backend container 'django' (port 8000)", AT_SERVICE),
        ("fail", f"{SERVICE} attaches frontend container 'nextjs' on port 3001, expected 3000", AT_SERVICE),
    ),
    case(
        "backend target group not in scope, the frontend still checked",
        chain(lbs((OTHER_TG, "django", 8000), (TG_FRONTEND, "nextjs", 3001))),
        ("fail", f"the backend load_balancer block of {SERVICE} names target group '{OTHER_TG}', which is not in scope", AT_SERVICE),
        ("fail", f"{SERVICE} attaches frontend container 'nextjs' on port 3001, expected 3000", AT_SERVICE),
    ),
    # unknown: every branch
    case(
        "backend target group unresolved, the frontend still checked",
        chain(lbs((Ref(f"{SCOPE}.module.lb", "backend_tg_arn"), "django", 8000), (TG_FRONTEND, "nextjs", 3001))),
        ("unknown", f"cannot tell which target group the backend load_balancer block of {SERVICE} names: {SCOPE}.module.lb.backend_tg_arn is unresolved reference (does not name a target group in scope)", AT_SERVICE),
        ("fail", f"{SERVICE} attaches frontend container 'nextjs' on port 3001, expected 3000", AT_SERVICE),
    ),
    case(
        "task_definition a template of a module output",
        chain(on_service(task_definition=Template((Ref(f"{SCOPE}.module.tasks", "family"), ":7")))),
        ("unknown", f"cannot tell whether {SERVICE} runs {TASK}: task_definition is '${{{SCOPE}.module.tasks.family}}:7'", AT_SERVICE),
    ),
    case(
        "the task's family unknown, task_definition a literal family",
        chain(on_task(family=Unknown(KNOWN_AFTER_APPLY, "var.family")), on_service(task_definition="civic-tech-jobs-stage:7")),
        ("unknown", f"cannot tell whether {SERVICE} runs {TASK}: task_definition is 'civic-tech-jobs-stage:7'", AT_SERVICE),
    ),
    case(
        "a located second service whose task_definition is unknown",
        chain(second_service(Unknown(KNOWN_AFTER_APPLY, f"{COPY}.task_definition")), lambda d: setattr(d.services[1], "location", loc(5, "copy.tf")) or d),
        ("unknown", f"cannot tell whether {COPY} also runs {TASK} (Stage 1 has one service): task_definition is ${{{COPY}.task_definition is known after apply}}", "copy.tf:5"),
    ),
    case(
        "target group of a block a template",
        chain(lbs((Template((Ref(f"{SCOPE}.module.lb", "prefix"), "/backend")), "django", 8000), BOTH[1])),
        ("unknown", f"cannot tell which target group the backend load_balancer block of {SERVICE} names: ${{{SCOPE}.module.lb.prefix}}/backend is unresolved reference", AT_SERVICE),
    ),
    case(
        "target group of a block names one of several instances",
        chain(
            lambda d: [d.target_groups.extend([TargetGroup(f'{SVC}.aws_lb_target_group.svc["a"]', port=8000, target_type="ip"), TargetGroup(f'{SVC}.aws_lb_target_group.svc["b"]', port=8000, target_type="ip")]), d][1],
            lbs((Ref(f"{SVC}.aws_lb_target_group.svc", "arn"), "django", 8000), BOTH[1]),
        ),
        ("unknown", f'cannot tell which target group the backend load_balancer block of {SERVICE} names: {SVC}.aws_lb_target_group.svc.arn is unresolved reference (it may be any of {SVC}.aws_lb_target_group.svc["a"], {SVC}.aws_lb_target_group.svc["b"])', AT_SERVICE),
    ),
    case(
        "a literal target group ARN while the target groups' ARNs are known only after apply",
        chain(lbs(BOTH[0], (OTHER_TG, "nextjs", 3000)), symbolic=True),
        ("unknown", f"cannot tell which target group the frontend load_balancer block of {SERVICE} names: {OTHER_TG} is unresolved reference (the referenced resource's id is known only after apply)", AT_SERVICE),
    ),
    case(
        "task_definition unknown",
        chain(on_service(task_definition=Unknown(KNOWN_AFTER_APPLY, f"{SERVICE}.task_definition"))),
        ("unknown", f"cannot tell whether {SERVICE} runs {TASK}: task_definition is ${{{SERVICE}.task_definition is known after apply}}", AT_SERVICE),
    ),
    case(
        "a second service whose task_definition is unknown",
        chain(second_service(Unknown(KNOWN_AFTER_APPLY, f"{COPY}.task_definition"))),
        ("unknown", f"cannot tell whether {COPY} also runs {TASK} (Stage 1 has one service): task_definition is ${{{COPY}.task_definition is known after apply}}"),
    ),
    case(
        "load_balancer blocks unknown",
        chain(on_service(load_balancers=Unknown(KNOWN_AFTER_APPLY, f"{SERVICE}.load_balancer"))),
        ("unknown", f"load_balancer blocks of {SERVICE} are not known: {SERVICE}.load_balancer is known after apply; {HINT}", AT_SERVICE),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot match the load_balancer blocks of {SERVICE} to containers: {AFTER_APPLY}", AT_SERVICE)),
    case(
        "frontend role undecided",
        chain(unknown_role("nextjs", "c2")),
        ("unknown", f"cannot tell which container of {TASK} is the frontend: {TASK}.container_definitions.c2.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "container_name of a block unknown",
        chain(lbs(BOTH[0], (TG_FRONTEND, Unknown(KNOWN_AFTER_APPLY, "var.frontend_name"), 3000))),
        ("unknown", f"cannot tell whether a load_balancer block of {SERVICE} attaches frontend container 'nextjs': container_name is ${{var.frontend_name is known after apply}}", AT_SERVICE),
    ),
    case(
        "container_port of a block unknown",
        chain(lbs(BOTH[0], (TG_FRONTEND, "nextjs", Unknown(KNOWN_AFTER_APPLY, "var.frontend_port")))),
        ("unknown", f"container_port of the frontend load_balancer block of {SERVICE} is not known: var.frontend_port is known after apply; {HINT}", AT_SERVICE),
    ),
    case(
        "portMappings unknown",
        chain(lambda d: edit(d, "nextjs", port_mappings=Unknown(KNOWN_AFTER_APPLY, "var.ports"))),
        ("unknown", f"portMappings of 'nextjs' are not known: var.ports is known after apply; {HINT}", AT_SERVICE),
    ),
    case(
        "a containerPort known after apply",
        chain(lambda d: edit(d, "nextjs", port_mappings=(PortMapping(Unknown(KNOWN_AFTER_APPLY, "var.port")),))),
        ("unknown", f"portMappings of 'nextjs' are not known: var.port is known after apply; {HINT}", AT_SERVICE),
    ),
    case(
        "a containerPort from a module output",
        chain(lambda d: edit(d, "nextjs", port_mappings=(PortMapping(Ref(f"{SCOPE}.module.ports", "frontend")),))),
        ("unknown", "portMappings of 'nextjs' are not known: containerPort of 'nextjs' is unresolved reference", AT_SERVICE),
    ),
    case(
        "target group of a block unresolved",
        chain(lbs((Ref(f"{SCOPE}.module.lb", "backend_tg_arn"), "django", 8000), BOTH[1])),
        ("unknown", f"cannot tell which target group the backend load_balancer block of {SERVICE} names: {SCOPE}.module.lb.backend_tg_arn is unresolved reference (does not name a target group in scope)", AT_SERVICE),
    ),
    # a literal quoted, as every value shown for an attribute is
    case(
        "backend attached on port '8080' (a string)",
        chain(lbs((TG_BACKEND, "django", "8080"), BOTH[1])),
        ("fail", f"{SERVICE} attaches backend container 'django' on port '8080', expected 8000", AT_SERVICE),
    ),
    case(
        "a second service whose task_definition is a template of a module output",
        chain(second_service(Template((Ref(f"{SCOPE}.module.tasks", "family"), ":7")))),
        ("unknown", f"cannot tell whether {COPY} also runs {TASK} (Stage 1 has one service): task_definition is '${{{SCOPE}.module.tasks.family}}:7'"),
    ),
    case(
        "the backend container's name a reference, the blocks' names literals",
        chain(lambda d: edit(d, "django", name=Ref("var.backend_name")), symbolic=True),
        ("unknown", f"cannot tell whether a load_balancer block of {SERVICE} attaches backend container '${{var.backend_name}}': container_name is 'django'", AT_SERVICE),
    ),
    case(
        "target_type unknown",
        chain(on_tg(TG_BACKEND, target_type=Unknown(KNOWN_AFTER_APPLY, "var.target_type"))),
        ("unknown", f"target_type of {TG_BACKEND} is not known: var.target_type is known after apply; {HINT}", AT_TG_BACKEND),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


HCL_PASS = ("pass", "aws_ecs_service.ctj runs aws_ecs_task_definition.ctj and attaches backend:8000 and frontend:3000 to their own ip target groups", TF_SERVICE)

HCL = [
    case("stage1", {}, HCL_PASS),
    case(
        "frontend attached on 3001",
        {"service.tf": sub("container_port   = 3000", "container_port   = 3001")},
        ("fail", "aws_ecs_service.ctj attaches frontend container 'nextjs' on port 3001, expected 3000", TF_SERVICE),
    ),
    case(
        "instance target type",
        {"target_groups.tf": sub('port        = 3000\n  protocol    = "HTTP"\n  target_type = "ip"', 'port        = 3000\n  protocol    = "HTTP"\n  target_type = "instance"')},
        ("fail", "aws_lb_target_group.frontend has target_type 'instance'; awsvpc tasks register by IP: set target_type = \"ip\"", "target_groups.tf:7"),
    ),
    case(
        "a second service runs the task",
        {"copy.tf": 'resource "aws_ecs_service" "copy" {\n  name            = "copy"\n  task_definition = aws_ecs_task_definition.ctj.arn\n}\n'},
        ("fail", "2 services run aws_ecs_task_definition.ctj (aws_ecs_service.copy, aws_ecs_service.ctj); Stage 1 has one", "copy.tf:1"),
        ("fail", "2 services run aws_ecs_task_definition.ctj (aws_ecs_service.copy, aws_ecs_service.ctj); Stage 1 has one", TF_SERVICE),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("stage1", [("pass", "service", SERVICE, None)]),
    ("no task", [("fail", "task", "", None)]),
    ("no service", [("fail", "service", "", None)]),
    ("two services run the task: one finding each", [("fail", "service", SERVICE, None), ("fail", "service", COPY, None)]),
    ("backend role undecided, the frontend still checked", [("unknown", "attachment", "backend", None), ("fail", "attachment", "frontend", "nextjs")]),
    ("no backend container", [("fail", "attachment", "backend", None)]),
    ("container_name of a block unknown", [("unknown", "attachment", "frontend", "nextjs")]),
    ("frontend not attached", [("fail", "attachment", "frontend", "nextjs")]),
    ("container_port of a block unknown", [("unknown", "attachment", "frontend", "nextjs")]),
    ("portMappings unknown", [("unknown", "attachment", "frontend", "nextjs")]),
    ("port not in portMappings", [("fail", "attachment", "frontend", "nextjs")]),
    ("target group of a block unresolved", [("unknown", "attachment", "backend", "django")]),
    ("target group not in scope", [("fail", "attachment", "frontend", "nextjs")]),
    ("target_type instance", [("fail", "target_group", TG_BACKEND, None)]),
    ("both on one target group", [("fail", "target_group", TG_BACKEND, None)]),
])
def test_what_the_findings_are_about(name, expected):
    """Each finding's subject (kind, name, container): what a baseline fingerprint and the diagram key on."""
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
