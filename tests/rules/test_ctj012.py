"""CTJ012: Postgres stays unattached: no load balancer, target group, listener rule or ingress reaches 5432."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    IngressRule,
    ListenerRule,
    Ref,
    Service,
    TargetGroup,
    Unknown,
)

from .builders import (
    AFTER_APPLY,
    AT_RULE_API,
    AT_SERVICE,
    AT_TG_BACKEND,
    HINT,
    RULE_API,
    SCOPE,
    SERVICE,
    SG_TASK,
    SVC,
    TASK,
    TG_BACKEND,
    TG_FRONTEND,
    add_rule,
    case,
    chain,
    edit,
    findings,
    hcl_findings,
    lbs,
    loc,
    no_task,
    on_service,
    on_tg,
    renamed,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
    with_rule,
)

RULE = "CTJ012"
PASS = ("pass", "nothing in scope attaches the database container or admits port 5432")
BOTH = ((TG_BACKEND, "django", 8000), (TG_FRONTEND, "nextjs", 3000))
ING = f"{SG_TASK}.ingress[2]"
PG_TG = f"{SVC}.aws_lb_target_group.pg"


def ingress(protocol, from_port, to_port):
    def mutate(dep):
        dep.ingress_rules.append(IngressRule(ING, from_port=from_port, to_port=to_port, protocol=protocol, sources=("10.10.0.0/16",)))
        return dep

    return mutate


def pg_target_group(port=5432):
    def mutate(dep):
        dep.target_groups.append(TargetGroup(PG_TG, name="ctj-pg", arn=Ref(PG_TG, "arn"), port=port, target_type="ip"))
        return dep

    return mutate


def admits(what):
    return ("fail", f"ingress {ING} admits {what} from 10.10.0.0/16, including 5432 (Postgres)")


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), PASS),
    case("stage1", chain(), PASS),
    case("udp 5432 is not postgres", chain(ingress("udp", 5432, 5432)), PASS),
    case("tcp 3000-3001", chain(ingress("tcp", 3000, 3001)), PASS),
    case("tcp 5433-6000 starts above", chain(ingress("tcp", 5433, 6000)), PASS),
    case("tcp 5000-5431 ends below", chain(ingress("tcp", 5000, 5431)), PASS),
    case("tcp without ports admits nothing", chain(ingress("tcp", None, None)), PASS),
    case("tcp 5432", chain(ingress("tcp", 5432, 5432)), admits("ports 5432-5432")),
    case("protocol 6 (tcp) 5432", chain(ingress("6", 5432, 5432)), admits("ports 5432-5432")),
    case("tcp 5432-5432 as strings", chain(ingress("TCP", "5432", "5432")), admits("ports 5432-5432")),
    case("tcp 0-65535", chain(ingress("tcp", 0, 65535)), admits("ports 0-65535")),
    case("tcp 5432-6000 starts at the port", chain(ingress("tcp", 5432, 6000)), admits("ports 5432-6000")),
    case("tcp 5000-5432 ends at the port", chain(ingress("tcp", 5000, 5432)), admits("ports 5000-5432")),
    case("protocol -1", chain(ingress("-1", 0, 0)), admits("all traffic")),
    case("protocol all", chain(ingress("all", None, None)), admits("all traffic")),
    case(
        "load balancer names the database",
        chain(lbs(*BOTH, (TG_FRONTEND, "postgres", 5432))),
        ("fail", f"{SERVICE} attaches the database container 'postgres' to a load balancer; Postgres must stay unattached", AT_SERVICE),
    ),
    case(
        "a non-database container on 5432 behind a load balancer",
        chain(lbs(BOTH[0], (TG_FRONTEND, "nextjs", 5432))),
        ("fail", f"{SERVICE} attaches container 'nextjs' port 5432 to a load balancer", AT_SERVICE),
    ),
    case(
        "target group on 5432, and a rule forwarding to it",
        chain(pg_target_group(), add_rule(f"{SVC}.aws_lb_listener_rule.pg", 90, "/pg/*", PG_TG)),
        ("fail", f"target group {PG_TG} listens on port 5432 (Postgres)"),
        ("fail", f"listener rule {SVC}.aws_lb_listener_rule.pg forwards to {PG_TG} on port 5432 (Postgres)"),
    ),
    case("target group port as a string", chain(pg_target_group("5432")), ("fail", f"target group {PG_TG} listens on port 5432 (Postgres)")),
    case("no task: network still checked", chain(no_task, ingress("tcp", 5432, 5432)), admits("ports 5432-5432")),
    case("tcp from 5432, no to_port", chain(ingress("tcp", 5432, None)), admits("ports 5432-None")),
    case("tcp to 5432, no from_port", chain(ingress("tcp", None, 5432)), admits("ports None-5432")),
    case("tcp -1 to -1 (every port)", chain(ingress("tcp", -1, -1)), admits("ports -1--1")),
    case("tcp -1 to 100 ends below", chain(ingress("tcp", -1, 100)), PASS),
    case(
        "several sources are named",
        chain(lambda d: [d.ingress_rules.append(IngressRule(ING, from_port=5432, to_port=5432, protocol="tcp", sources=("10.0.0.0/8", "sg-0123"))), d][1]),
        ("fail", f"ingress {ING} admits ports 5432-5432 from 10.0.0.0/8, sg-0123, including 5432 (Postgres)"),
    ),
    case(
        "no sources named",
        chain(lambda d: [d.ingress_rules.append(IngressRule(ING, from_port=5432, to_port=5432, protocol="tcp")), d][1]),
        ("fail", f"ingress {ING} admits ports 5432-5432 from its sources, including 5432 (Postgres)"),
    ),
    case("target group port 5432.0", chain(pg_target_group(5432.0)), ("fail", f"target group {PG_TG} listens on port 5432 (Postgres)")),
    case(
        "a located rule forwarding to a target group on 5432",
        chain(pg_target_group(), add_rule(f"{SVC}.aws_lb_listener_rule.pg", 90, "/pg/*", PG_TG), with_rule(f"{SVC}.aws_lb_listener_rule.pg", location=loc(150))),
        ("fail", f"target group {PG_TG} listens on port 5432 (Postgres)"),
        ("fail", f"listener rule {SVC}.aws_lb_listener_rule.pg forwards to {PG_TG} on port 5432 (Postgres)", str(loc(150))),
    ),
    # unknown: every branch
    case(
        "one service's blocks unknown, another still checked",
        chain(lbs(*BOTH, (TG_FRONTEND, "postgres", 5432)), lambda d: [d.services.insert(0, Service(f"{SCOPE}.aws_ecs_service.other", load_balancers=Unknown(KNOWN_AFTER_APPLY, "var.lbs"))), d][1]),
        ("unknown", f"load_balancer blocks of {SCOPE}.aws_ecs_service.other are not known: var.lbs is known after apply; {HINT}"),
        ("fail", f"{SERVICE} attaches the database container 'postgres' to a load balancer; Postgres must stay unattached", AT_SERVICE),
    ),
    case(
        "one rule's actions unknown, another still checked",
        chain(pg_target_group(), add_rule(f"{SVC}.aws_lb_listener_rule.pg", 90, "/pg/*", PG_TG), lambda d: [d.listener_rules.insert(0, ListenerRule(f"{SVC}.aws_lb_listener_rule.x", actions=Unknown(KNOWN_AFTER_APPLY, "var.actions"))), d][1]),
        ("fail", f"target group {PG_TG} listens on port 5432 (Postgres)"),
        ("unknown", f"forward targets of {SVC}.aws_lb_listener_rule.x are not known: var.actions is known after apply; {HINT}"),
        ("fail", f"listener rule {SVC}.aws_lb_listener_rule.pg forwards to {PG_TG} on port 5432 (Postgres)"),
    ),
    case(
        "ingress to_port unknown",
        chain(ingress("tcp", 5432, Unknown(KNOWN_AFTER_APPLY, "var.to"))),
        ("unknown", f"cannot tell whether ingress {ING} admits port 5432: protocol 'tcp', ports 5432-${{var.to is known after apply}}"),
    ),
    case(
        "load_balancer blocks unknown",
        chain(on_service(load_balancers=Unknown(KNOWN_AFTER_APPLY, f"{SERVICE}.load_balancer"))),
        ("unknown", f"load_balancer blocks of {SERVICE} are not known: {SERVICE}.load_balancer is known after apply; {HINT}", AT_SERVICE),
    ),
    case(
        "containers unknown, load balancer blocks present",
        chain(unknown_containers),
        ("unknown", f"cannot tell whether {SERVICE}'s load_balancer block for 'django' names the database container: {AFTER_APPLY}", AT_SERVICE),
        ("unknown", f"cannot tell whether {SERVICE}'s load_balancer block for 'nextjs' names the database container: {AFTER_APPLY}", AT_SERVICE),
    ),
    case(
        "a container's role undecided",
        chain(unknown_role("nextjs", "c2"), lbs(BOTH[0], (TG_FRONTEND, "c2", 3000))),
        ("unknown", f"cannot tell whether {SERVICE}'s load_balancer block for 'django' names the database container: {TASK}.container_definitions.c2.image is known after apply; {HINT}", AT_SERVICE),
        ("unknown", f"cannot tell whether {SERVICE}'s load_balancer block for 'c2' names the database container: {TASK}.container_definitions.c2.image is known after apply; {HINT}", AT_SERVICE),
    ),
    case(
        "load balancer container_name unknown",
        chain(lbs(BOTH[0], (TG_FRONTEND, Unknown(KNOWN_AFTER_APPLY, "var.frontend_name"), 3000))),
        ("unknown", f"cannot tell whether {SERVICE}'s load_balancer block for '${{var.frontend_name is known after apply}}' names the database container: var.frontend_name is known after apply; {HINT}", AT_SERVICE),
    ),
    case(
        "load balancer container_port unknown",
        chain(lbs(BOTH[0], (TG_FRONTEND, "nextjs", Unknown(KNOWN_AFTER_APPLY, "var.frontend_port")))),
        ("unknown", f"container_port of a load_balancer block of {SERVICE} is not known: var.frontend_port is known after apply; {HINT}", AT_SERVICE),
    ),
    case(
        "target group port unknown",
        chain(on_tg(TG_BACKEND, port=Unknown(KNOWN_AFTER_APPLY, "var.backend_port"))),
        ("unknown", f"port of {TG_BACKEND} is not known: var.backend_port is known after apply; {HINT}", AT_TG_BACKEND),
    ),
    case(
        "target group port from a module output",
        chain(on_tg(TG_BACKEND, port=Ref(f"{SVC}.module.ports", "backend"))),
        ("unknown", f"port of {TG_BACKEND} is not known: {SVC}.module.ports.backend is known only after apply", AT_TG_BACKEND),
    ),
    case(
        "listener rule actions unknown",
        chain(with_rule(RULE_API, actions=Unknown(KNOWN_AFTER_APPLY, f"{RULE_API}.action"))),
        ("unknown", f"forward targets of {RULE_API} are not known: {RULE_API}.action is known after apply; {HINT}", AT_RULE_API),
    ),
    case(
        "ingress from_port unknown",
        chain(ingress("tcp", Unknown(KNOWN_AFTER_APPLY, "var.port"), 5432)),
        ("unknown", f"cannot tell whether ingress {ING} admits port 5432: protocol 'tcp', ports ${{var.port is known after apply}}-5432"),
    ),
    case(
        "ingress protocol unknown, ports as strings (quoted, as every attribute value shown)",
        chain(ingress(Unknown(KNOWN_AFTER_APPLY, "var.protocol"), "5000", "6000")),
        ("unknown", f"cannot tell whether ingress {ING} admits port 5432: protocol ${{var.protocol is known after apply}}, ports '5000'-'6000'"),
    ),
    case(
        "the database container's name a reference",
        chain(lambda d: edit(d, "postgres", name=Ref("var.db_name"))),
        ("unknown", f"cannot tell whether {SERVICE}'s load_balancer block for 'django' names the database container: var.db_name is known only after apply", AT_SERVICE),
        ("unknown", f"cannot tell whether {SERVICE}'s load_balancer block for 'nextjs' names the database container: var.db_name is known only after apply", AT_SERVICE),
    ),
    case(
        "ingress protocol unknown",
        chain(ingress(Unknown(KNOWN_AFTER_APPLY, "var.protocol"), 8000, 8000)),
        ("unknown", f"cannot tell whether ingress {ING} admits port 5432: protocol ${{var.protocol is known after apply}}, ports 8000-8000"),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


def ingress_tf(from_port, to_port, protocol):
    return sub(
        "  ingress {\n    from_port   = 8000",
        f'  ingress {{\n    from_port   = {from_port}\n    to_port     = {to_port}\n    protocol    = "{protocol}"\n'
        '    cidr_blocks = ["10.10.0.0/16"]\n  }\n\n  ingress {\n    from_port   = 8000',
    )


HCL = [
    case("stage1", {}, PASS),
    case(
        "a security group rule for 5432",
        {"security_group.tf": ingress_tf(5432, 5432, "tcp")},
        ("fail", "ingress aws_security_group.task.ingress[1] admits ports 5432-5432 from 10.10.0.0/16, including 5432 (Postgres)", "security_group.tf:1"),
    ),
    case(
        "all traffic",
        {"security_group.tf": ingress_tf(0, 0, "-1")},
        ("fail", "ingress aws_security_group.task.ingress[1] admits all traffic from 10.10.0.0/16, including 5432 (Postgres)", "security_group.tf:1"),
    ),
    case(
        "a target group on 5432",
        {"pg.tf": 'resource "aws_lb_target_group" "postgres" {\n  port        = 5432\n  protocol    = "TCP"\n  target_type = "ip"\n}\n'},
        ("fail", "target group aws_lb_target_group.postgres listens on port 5432 (Postgres)", "pg.tf:1"),
    ),
    case(
        "ingress port from a variable with no value",
        {"security_group.tf": sub("from_port   = 8000", "from_port   = var.port"), "variables.tf": 'variable "port" {\n  type = number\n}\n'},
        ("unknown", "cannot tell whether ingress aws_security_group.task.ingress[1] admits port 5432: protocol 'tcp', ports ${var.port is unresolved reference (the variable has no value and no default: pass --var/--var-file)}-8000", "security_group.tf:1"),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("stage1", [("pass", "block", SCOPE, None)]),
    ("load balancer names the database", [("fail", "attachment", "postgres", "postgres")]),
    ("a non-database container on 5432 behind a load balancer", [("fail", "attachment", "nextjs", "nextjs")]),
    (
        "one service's blocks unknown, another still checked",
        [("unknown", "service", f"{SCOPE}.aws_ecs_service.other", None), ("fail", "attachment", "postgres", "postgres")],
    ),
    (
        "load balancer container_name unknown",
        [("unknown", "attachment", "${var.frontend_name is known after apply}", "${var.frontend_name is known after apply}")],
    ),
    ("the database container's name a reference", [("unknown", "attachment", "django", "django"), ("unknown", "attachment", "nextjs", "nextjs")]),
    ("containers unknown, load balancer blocks present", [("unknown", "attachment", "django", "django"), ("unknown", "attachment", "nextjs", "nextjs")]),
    ("load balancer container_port unknown", [("unknown", "attachment", "nextjs", "nextjs")]),
    ("target group on 5432, and a rule forwarding to it", [("fail", "target_group", PG_TG, None), ("fail", "block", f"{SVC}.aws_lb_listener_rule.pg", None)]),
    ("tcp 5432", [("fail", "block", ING, None)]),
    ("ingress protocol unknown", [("unknown", "block", ING, None)]),
])
def test_what_the_findings_are_about(name, expected):
    """Each finding's subject (kind, name, container): what a baseline fingerprint and the diagram key on."""
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
