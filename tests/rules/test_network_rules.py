"""CTJ010-CTJ012: ALB routing, target group attachment, Postgres unattached."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    IngressRule,
    LoadBalancerAttachment,
    ListenerRule,
    Ref,
    RuleAction,
    RuleCondition,
    Service,
    TargetGroup,
    Unknown,
)

from .builders import (
    RULE_ADMIN,
    RULE_API,
    RULE_FRONTEND,
    SCOPE,
    SERVICE,
    SG_TASK,
    SVC,
    TASK,
    TG_BACKEND,
    TG_FRONTEND,
    edit,
    listener_rule,
    run,
    service,
    stage1,
    tg,
    unknown_containers,
)


def case(id, build, *expected):
    return pytest.param(build, list(expected), id=id)


def with_rule(address, **changes):
    def mutate(dep):
        r = listener_rule(dep, address)
        for k, v in changes.items():
            setattr(r, k, v)
        return dep

    return mutate


def chain(*mutators, symbolic=False):
    def build():
        dep = stage1(symbolic)
        for m in mutators:
            dep = m(dep)
        return dep

    return build


def remove_rule(address):
    def mutate(dep):
        dep.listener_rules = [r for r in dep.listener_rules if r.address != address]
        return dep

    return mutate


def add_rule(address, priority, path, tg_address, symbolic=False):
    def mutate(dep):
        target = tg(dep, tg_address).arn
        dep.listener_rules.append(
            ListenerRule(address, priority=priority, conditions=(RuleCondition(path_patterns=(path,)),), actions=(RuleAction("forward", (target,)),))
        )
        return dep

    return mutate


def on_service(**changes):
    def mutate(dep):
        s = service(dep)
        for k, v in changes.items():
            setattr(s, k, v)
        return dep

    return mutate


def on_tg(address, **changes):
    def mutate(dep):
        t = tg(dep, address)
        for k, v in changes.items():
            setattr(t, k, v)
        return dep

    return mutate


def forward(address):
    """A forward action to the target group at ``address`` (its arn value)."""

    def actions(dep):
        return (RuleAction("forward", (tg(dep, address).arn,)),)

    return actions


def retarget(rule_address, tg_address):
    def mutate(dep):
        listener_rule(dep, rule_address).actions = forward(tg_address)(dep)
        return dep

    return mutate


# ---------------------------------------------------------------- CTJ010

PASS010 = ("pass", "/api/* and /admin/* forward to the backend target group, before a catch-all to the frontend target group")

CTJ010 = [
    case("stage1 literal arns", chain(), PASS010),
    case("stage1 Ref targets (aws_lb_target_group.backend.arn)", chain(symbolic=True), PASS010),
    case("host-only rule is a catch-all", chain(with_rule(RULE_FRONTEND, conditions=(RuleCondition(host_headers=("stage.civictechjobs.org",)),))), PASS010),
    case("/api* covers /api/*", chain(with_rule(RULE_API, conditions=(RuleCondition(path_patterns=("/api*",)),))), PASS010),
    case(
        "one rule for both paths",
        chain(with_rule(RULE_API, conditions=(RuleCondition(path_patterns=("/api/*", "/admin/*")),)), remove_rule(RULE_ADMIN)),
        PASS010,
    ),
    case(
        "no /admin/* rule",
        chain(remove_rule(RULE_ADMIN)),
        ("fail", 'no listener rule routes /admin/* (add an aws_lb_listener_rule with path_pattern "/admin/*" forwarding to the backend target group)'),
    ),
    case(
        "/api/* after the catch-all",
        chain(with_rule(RULE_API, priority=120)),
        ("fail", f"{RULE_API} (/api/*, priority 120) is evaluated after the catch-all {RULE_FRONTEND} (priority 110); give it a smaller priority number"),
    ),
    case(
        "/api/* to the frontend",
        chain(retarget(RULE_API, TG_FRONTEND)),
        ("fail", f"/api/* is routed by {RULE_API} to {TG_FRONTEND}, not the backend target group {TG_BACKEND}"),
    ),
    case(
        "/api/* to the frontend, Ref targets",
        chain(retarget(RULE_API, TG_FRONTEND), symbolic=True),
        ("fail", f"/api/* is routed by {RULE_API} to {TG_FRONTEND}, not the backend target group {TG_BACKEND}"),
    ),
    case(
        "an earlier /api/* rule wins",
        chain(add_rule(f"{SVC}.aws_lb_listener_rule.api_old", 50, "/api/*", TG_FRONTEND)),
        ("fail", f"/api/* is routed by {SVC}.aws_lb_listener_rule.api_old to {TG_FRONTEND}, not the backend target group {TG_BACKEND}"),
    ),
    case(
        "catch-all to the backend",
        chain(retarget(RULE_FRONTEND, TG_BACKEND)),
        ("fail", f"catch-all rule {RULE_FRONTEND} (priority 110) forwards to {TG_BACKEND}, not the frontend target group {TG_FRONTEND}"),
    ),
    case("no catch-all", chain(remove_rule(RULE_FRONTEND)), ("fail", 'no catch-all listener rule (path_pattern "/*") forwards to the frontend target group')),
    case(
        "no listener rules",
        chain(remove_rule(RULE_FRONTEND), remove_rule(RULE_API), remove_rule(RULE_ADMIN)),
        ("fail", "no aws_lb_listener_rule in scope; /api/*, /admin/* must forward to the backend target group and a catch-all to the frontend"),
    ),
    case(
        "unknown catch-all priority",
        chain(with_rule(RULE_FRONTEND, priority=Unknown(KNOWN_AFTER_APPLY, f"{RULE_FRONTEND}.priority"))),
        ("unknown", f"priority of {RULE_FRONTEND} is not known ({RULE_FRONTEND}.priority is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources), so which catch-all rule applies cannot be decided"),
    ),
    case(
        "unset /api/* priority",
        chain(with_rule(RULE_API, priority=None)),
        ("unknown", f"{RULE_API} sets no priority (AWS assigns one at apply time), so whether /api/* is evaluated before the catch-all cannot be decided; set priority explicitly"),
    ),
    case(
        "unknown path patterns",
        chain(with_rule(RULE_ADMIN, conditions=Unknown(KNOWN_AFTER_APPLY, f"{RULE_ADMIN}.condition"))),
        ("unknown", f"path patterns of {RULE_ADMIN} are not known: {RULE_ADMIN}.condition is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
        ("fail", 'no listener rule routes /admin/* (add an aws_lb_listener_rule with path_pattern "/admin/*" forwarding to the backend target group)'),
    ),
    case(
        "target group from an unresolved module output",
        chain(with_rule(RULE_API, actions=(RuleAction("forward", (Ref(f"{SCOPE}.module.lb", "backend_tg_arn"),)),))),
        ("unknown", f"cannot tell whether {RULE_API} forwards /api/* to {TG_BACKEND}: {SCOPE}.module.lb.backend_tg_arn is unresolved reference (does not name a target group in scope)"),
    ),
]


@pytest.mark.parametrize("build, expected", CTJ010)
def test_ctj010(build, expected):
    assert run("CTJ010", build()) == expected


# ---------------------------------------------------------------- CTJ011

PASS011 = ("pass", f"{SERVICE} runs {TASK} and attaches backend:8000 and frontend:3000 to their own ip target groups")


def lbs(*attachments):
    def mutate(dep):
        arn = {TG_BACKEND: tg(dep, TG_BACKEND).arn, TG_FRONTEND: tg(dep, TG_FRONTEND).arn}
        service(dep).load_balancers = tuple(LoadBalancerAttachment(arn.get(t, t), c, p) for t, c, p in attachments)
        return dep

    return mutate


def second_service(task_definition):
    def mutate(dep):
        dep.services.append(Service(f"{SCOPE}.aws_ecs_service.copy", name="copy", task_definition=task_definition))
        return dep

    return mutate


CTJ011 = [
    case("stage1", chain(), PASS011),
    case("stage1 Refs", chain(symbolic=True), PASS011),
    case("task_definition as family:revision", chain(on_service(task_definition="civic-tech-jobs-stage:7")), PASS011),
    case(
        "task_definition as ARN",
        chain(on_service(task_definition="arn:aws:ecs:us-west-2:123456789012:task-definition/civic-tech-jobs-stage:7")),
        PASS011,
    ),
    case("no service", chain(lambda d: replace(d, services=[])), ("fail", f"no aws_ecs_service in scope runs {TASK}")),
    case("service runs another task", chain(on_service(task_definition=Ref(f"{SCOPE}.aws_ecs_task_definition.other", "arn"))), ("fail", f"no aws_ecs_service in scope runs {TASK}")),
    case(
        "two services",
        chain(second_service(Ref(TASK, "arn"))),
        ("fail", f"2 services run {TASK} ({SERVICE}, {SCOPE}.aws_ecs_service.copy); Stage 1 has one"),
        ("fail", f"2 services run {TASK} ({SERVICE}, {SCOPE}.aws_ecs_service.copy); Stage 1 has one"),
    ),
    case(
        "task_definition unknown",
        chain(on_service(task_definition=Unknown(KNOWN_AFTER_APPLY, f"{SERVICE}.task_definition"))),
        ("unknown", f"cannot tell whether {SERVICE} runs {TASK}: task_definition is ${{{SERVICE}.task_definition is known after apply}}"),
    ),
    case(
        "frontend not attached",
        chain(lbs((TG_BACKEND, "django", 8000))),
        ("fail", f"no load_balancer block of {SERVICE} attaches the frontend container 'nextjs' (port 3000)"),
    ),
    case(
        "backend on the wrong port",
        chain(lbs((TG_BACKEND, "django", 8080), (TG_FRONTEND, "nextjs", 3000))),
        ("fail", f"{SERVICE} attaches backend container 'django' on port 8080, expected 8000"),
    ),
    case(
        "port not in portMappings",
        chain(lambda d: edit(d, "nextjs", port_mappings=())),
        ("fail", "frontend container 'nextjs' has no portMappings containerPort 3000 (has none)"),
    ),
    case(
        "both on one target group",
        chain(lbs((TG_BACKEND, "django", 8000), (TG_BACKEND, "nextjs", 3000))),
        ("fail", f"{SERVICE} attaches the backend and the frontend to the same target group {TG_BACKEND}; path routing needs two"),
    ),
    case(
        "target_type unset",
        chain(on_tg(TG_FRONTEND, target_type=None)),
        ("fail", f'{TG_FRONTEND} does not set target_type (defaults to "instance"); awsvpc tasks register by IP: set target_type = "ip"'),
    ),
    case(
        "target_type instance",
        chain(on_tg(TG_BACKEND, target_type="instance")),
        ("fail", f"{TG_BACKEND} has target_type 'instance'; awsvpc tasks register by IP: set target_type = \"ip\""),
    ),
    case(
        "target group not in scope",
        chain(lbs((TG_BACKEND, "django", 8000), ("arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/other/9", "nextjs", 3000))),
        ("fail", f"the frontend load_balancer block of {SERVICE} names target group 'arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/other/9', which is not in scope"),
    ),
    case(
        "load_balancer blocks unknown",
        chain(on_service(load_balancers=Unknown(KNOWN_AFTER_APPLY, f"{SERVICE}.load_balancer"))),
        ("unknown", f"load_balancer blocks of {SERVICE} are not known: {SERVICE}.load_balancer is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case(
        "containers unknown",
        chain(unknown_containers),
        ("unknown", f"cannot match the load_balancer blocks of {SERVICE} to containers: {TASK}.container_definitions is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case("no task", chain(lambda d: replace(d, task_definitions=[])), ("fail", "no CTJ task definition in scope (see CTJ001): no service can attach it to the target groups")),
]


@pytest.mark.parametrize("build, expected", CTJ011)
def test_ctj011(build, expected):
    assert run("CTJ011", build()) == expected


# ---------------------------------------------------------------- CTJ012

PASS012 = ("pass", "nothing in scope attaches the database container or admits port 5432")


def ingress(protocol, from_port, to_port):
    def mutate(dep):
        dep.ingress_rules.append(IngressRule(f"{SG_TASK}.ingress[2]", from_port=from_port, to_port=to_port, protocol=protocol, sources=("10.10.0.0/16",)))
        return dep

    return mutate


def pg_target_group(dep):
    dep.target_groups.append(TargetGroup(f"{SVC}.aws_lb_target_group.pg", name="ctj-pg", arn=Ref(f"{SVC}.aws_lb_target_group.pg", "arn"), port=5432, target_type="ip"))
    return dep


CTJ012 = [
    case("stage1", chain(), PASS012),
    case("udp 5432 is not postgres", chain(ingress("udp", 5432, 5432)), PASS012),
    case("tcp 3000-3001", chain(ingress("tcp", 3000, 3001)), PASS012),
    case("tcp 5432", chain(ingress("tcp", 5432, 5432)), ("fail", f"ingress {SG_TASK}.ingress[2] admits ports 5432-5432 from 10.10.0.0/16, including 5432 (Postgres)")),
    case("tcp 0-65535", chain(ingress("tcp", 0, 65535)), ("fail", f"ingress {SG_TASK}.ingress[2] admits ports 0-65535 from 10.10.0.0/16, including 5432 (Postgres)")),
    case("protocol -1", chain(ingress("-1", 0, 0)), ("fail", f"ingress {SG_TASK}.ingress[2] admits all traffic from 10.10.0.0/16, including 5432 (Postgres)")),
    case("protocol all", chain(ingress("all", None, None)), ("fail", f"ingress {SG_TASK}.ingress[2] admits all traffic from 10.10.0.0/16, including 5432 (Postgres)")),
    case(
        "unknown port",
        chain(ingress("tcp", Unknown(KNOWN_AFTER_APPLY, "var.port"), 5432)),
        ("unknown", f"cannot tell whether ingress {SG_TASK}.ingress[2] admits port 5432: protocol 'tcp', ports ${{var.port is known after apply}}-5432"),
    ),
    case(
        "load balancer names the database",
        chain(lbs((TG_BACKEND, "django", 8000), (TG_FRONTEND, "nextjs", 3000), (TG_FRONTEND, "postgres", 5432))),
        ("fail", f"{SERVICE} attaches the database container 'postgres' to a load balancer; Postgres must stay unattached"),
    ),
    case(
        "target group on 5432, and a rule forwarding to it",
        chain(pg_target_group, add_rule(f"{SVC}.aws_lb_listener_rule.pg", 90, "/pg/*", f"{SVC}.aws_lb_target_group.pg")),
        ("fail", f"target group {SVC}.aws_lb_target_group.pg listens on port 5432 (Postgres)"),
        ("fail", f"listener rule {SVC}.aws_lb_listener_rule.pg forwards to {SVC}.aws_lb_target_group.pg on port 5432 (Postgres)"),
    ),
    case(
        "containers unknown, load balancer blocks present",
        chain(unknown_containers),
        ("unknown", f"cannot tell whether {SERVICE}'s load_balancer block for 'django' names the database container: {TASK}.container_definitions is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
        ("unknown", f"cannot tell whether {SERVICE}'s load_balancer block for 'nextjs' names the database container: {TASK}.container_definitions is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case("no task: network still checked", chain(lambda d: replace(d, task_definitions=[])), PASS012),
]


@pytest.mark.parametrize("build, expected", CTJ012)
def test_ctj012(build, expected):
    assert run("CTJ012", build()) == expected
