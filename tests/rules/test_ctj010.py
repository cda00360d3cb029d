"""CTJ010: ALB path routing: /api/* and /admin/* to the backend target group, before a catch-all to the frontend's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, Ref, RuleAction, RuleCondition, Unknown

from .builders import (
    AT_RULE_ADMIN,
    AT_RULE_API,
    AT_RULE_FRONTEND,
    CONFIG,
    HINT,
    RULE_ADMIN,
    RULE_API,
    RULE_FRONTEND,
    SCOPE,
    SERVICE,
    SVC,
    TG_BACKEND,
    TG_FRONTEND,
    add_rule,
    case,
    chain,
    findings,
    hcl_findings,
    lbs,
    no_service,
    on_tg,
    remove_rule,
    renamed,
    retarget,
    sub,
    tf_tree,
    tg,
    with_rule,
)

RULE = "CTJ010"
PASS = ("pass", "/api/* and /admin/* forward to the backend target group, before a catch-all to the frontend target group")
NO_ADMIN = ("fail", 'no listener rule routes /admin/* (add an aws_lb_listener_rule with path_pattern "/admin/*" forwarding to the backend target group)')
OTHER_TG = "arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/other/9"


MAYBE_ADMIN = ("unknown", f"cannot tell whether a listener rule routes /admin/*: the path patterns of {RULE_ADMIN} are not known", AT_RULE_ADMIN)
NO_API = ("fail", 'no listener rule routes /api/* (add an aws_lb_listener_rule with path_pattern "/api/*" forwarding to the backend target group)')


def anonymous_tgs(backend, frontend):
    """The two target groups under addresses that name no role, with (name, port) given."""

    def mutate(dep):
        for address, (name, port), new in ((TG_BACKEND, backend, f"{SVC}.aws_lb_target_group.a"), (TG_FRONTEND, frontend, f"{SVC}.aws_lb_target_group.b")):
            t = tg(dep, address)
            t.address, t.name, t.port = new, name, port
        return dep

    return mutate


def paths(*patterns):
    return (RuleCondition(path_patterns=patterns),)


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), PASS),
    case("stage1 literal arns", chain(), PASS),
    case("stage1 Ref targets (aws_lb_target_group.backend.arn)", chain(symbolic=True), PASS),
    case("host-only rule is a catch-all", chain(with_rule(RULE_FRONTEND, conditions=(RuleCondition(host_headers=("stage.civictechjobs.org",)),))), PASS),
    case("a '*' catch-all", chain(with_rule(RULE_FRONTEND, conditions=paths("*"))), PASS),
    case("a '/**' catch-all", chain(with_rule(RULE_FRONTEND, conditions=paths("/**"))), PASS),
    case(
        "'/?*' is no catch-all (the path '/' does not match it)",
        chain(with_rule(RULE_FRONTEND, conditions=paths("/?*"))),
        ("fail", 'no catch-all listener rule (path_pattern "/*") forwards to the frontend target group'),
    ),
    case("/api* covers /api/*", chain(with_rule(RULE_API, conditions=paths("/api*"))), PASS),
    case("/ap?/* covers /api/*", chain(with_rule(RULE_API, conditions=paths("/ap?/*"))), PASS),
    case("/api/? does not cover /api/*", chain(with_rule(RULE_API, conditions=paths("/api/?"))), NO_API),
    case("one rule for both paths", chain(with_rule(RULE_API, conditions=paths("/api/*", "/admin/*")), remove_rule(RULE_ADMIN)), PASS),
    case("priorities as strings", chain(with_rule(RULE_API, priority="100"), with_rule(RULE_FRONTEND, priority="110")), PASS),
    case("no service: target groups by port", chain(no_service), PASS),
    case(
        "no service, ports tell nothing: target groups by the paths the listener rules forward to them",
        chain(no_service, on_tg(TG_BACKEND, port=80), on_tg(TG_FRONTEND, port=80)),
        PASS,
    ),
    case(
        "no service, names tell nothing: target groups by port",
        chain(no_service, on_tg(TG_BACKEND, name="tg-a"), on_tg(TG_FRONTEND, name="tg-b")),
        PASS,
    ),
    case("/api/v1/* does not cover /api/*", chain(with_rule(RULE_API, conditions=paths("/api/v1/*"))), ("fail", 'no listener rule routes /api/* (add an aws_lb_listener_rule with path_pattern "/api/*" forwarding to the backend target group)')),
    case("no /admin/* rule", chain(remove_rule(RULE_ADMIN)), NO_ADMIN),
    case(
        "/api/* after the catch-all",
        chain(with_rule(RULE_API, priority=120)),
        ("fail", f"{RULE_API} (/api/*, priority 120) is evaluated after the catch-all {RULE_FRONTEND} (priority 110); give it a smaller priority number", AT_RULE_API),
    ),
    case(
        "/api/* with the catch-all's priority",
        chain(with_rule(RULE_API, priority=110)),
        ("fail", f"{RULE_API} (/api/*, priority 110) is evaluated after the catch-all {RULE_FRONTEND} (priority 110); give it a smaller priority number", AT_RULE_API),
    ),
    case(
        "/admin/* one below the catch-all passes",
        chain(with_rule(RULE_ADMIN, priority=109)),
        PASS,
    ),
    case(
        "/api/* to the frontend",
        chain(retarget(RULE_API, TG_FRONTEND)),
        ("fail", f"/api/* is routed by {RULE_API} to {TG_FRONTEND}, not the backend target group {TG_BACKEND}", AT_RULE_API),
    ),
    case(
        "/api/* to the frontend, Ref targets",
        chain(retarget(RULE_API, TG_FRONTEND), symbolic=True),
        ("fail", f"/api/* is routed by {RULE_API} to {TG_FRONTEND}, not the backend target group {TG_BACKEND}", AT_RULE_API),
    ),
    case(
        "/api/* redirects instead of forwarding",
        chain(with_rule(RULE_API, actions=(RuleAction("redirect"),))),
        ("fail", f"/api/* is routed by {RULE_API} to no forward action, not the backend target group {TG_BACKEND}", AT_RULE_API),
    ),
    case(
        "/api/* to a target group not in scope",
        chain(retarget(RULE_API, OTHER_TG)),
        ("fail", f"/api/* is routed by {RULE_API} to {OTHER_TG} (not a target group in scope), not the backend target group {TG_BACKEND}", AT_RULE_API),
    ),
    case(
        "/api/* split between both target groups",
        chain(lambda d: with_rule(RULE_API, actions=(RuleAction("forward", (tg(d, TG_FRONTEND).arn, tg(d, TG_BACKEND).arn)),))(d)),
        ("fail", f"/api/* is routed by {RULE_API} to {TG_FRONTEND}, {TG_BACKEND}, not the backend target group {TG_BACKEND}", AT_RULE_API),
    ),
    case(
        "an earlier /api/* rule wins",
        chain(add_rule(f"{SVC}.aws_lb_listener_rule.api_old", 50, "/api/*", TG_FRONTEND)),
        ("fail", f"/api/* is routed by {SVC}.aws_lb_listener_rule.api_old to {TG_FRONTEND}, not the backend target group {TG_BACKEND}"),
    ),
    case(
        "catch-all to the backend",
        chain(retarget(RULE_FRONTEND, TG_BACKEND)),
        ("fail", f"catch-all rule {RULE_FRONTEND} (priority 110) forwards to {TG_BACKEND}, not the frontend target group {TG_FRONTEND}", AT_RULE_FRONTEND),
    ),
    case(
        "of two catch-alls the first decides",
        chain(add_rule(f"{SVC}.aws_lb_listener_rule.other", 105, "/*", TG_BACKEND)),
        ("fail", f"catch-all rule {SVC}.aws_lb_listener_rule.other (priority 105) forwards to {TG_BACKEND}, not the frontend target group {TG_FRONTEND}"),
    ),
    case("no catch-all", chain(remove_rule(RULE_FRONTEND)), ("fail", 'no catch-all listener rule (path_pattern "/*") forwards to the frontend target group')),
    case(
        "no listener rules",
        chain(remove_rule(RULE_FRONTEND), remove_rule(RULE_API), remove_rule(RULE_ADMIN)),
        ("fail", "no aws_lb_listener_rule in scope; /api/*, /admin/* must forward to the backend target group and a catch-all to the frontend"),
    ),
    case(
        "the backend attached to a target group not in scope",
        chain(lbs((OTHER_TG, "django", 8000), (TG_FRONTEND, "nextjs", 3000))),
        ("fail", f"no backend target group in scope ({SERVICE} attaches the backend container 'django' to {OTHER_TG}, not a target group in scope)"),
    ),
    case("/apix* does not cover /api/*", chain(with_rule(RULE_API, conditions=paths("/apix*"))), NO_API),
    case(
        "no /api/* rule, and /admin/* after the catch-all: both reported",
        chain(remove_rule(RULE_API), with_rule(RULE_ADMIN, priority=120)),
        NO_API,
        ("fail", f"{RULE_ADMIN} (/admin/*, priority 120) is evaluated after the catch-all {RULE_FRONTEND} (priority 110); give it a smaller priority number", AT_RULE_ADMIN),
    ),
    case(
        "no service, target groups named against the rules' paths: the paths decide, the names nothing",
        chain(no_service, anonymous_tgs(("ctj-stage-nextjs", 80), ("ctj-stage-django", 80))),
        PASS,
    ),
    case(
        "no service, target groups told by port (names and addresses tell nothing)",
        chain(no_service, anonymous_tgs(("tg-a", 8000), ("tg-b", 3000))),
        PASS,
    ),
    case(
        "no service, the paths alone tell the target groups apart",
        chain(no_service, anonymous_tgs(("tg-a", 80), ("tg-b", 80))),
        PASS,
    ),
    case(
        "no service, nothing tells the target groups apart (one rule set forwards everything to one of them)",
        chain(no_service, anonymous_tgs(("tg-a", 80), ("tg-b", 80)), retarget(RULE_FRONTEND, f"{SVC}.aws_lb_target_group.a")),
        ("fail", "no backend target group in scope (none attached to the backend container by the service, none on port 8000, none that the listener rules forward /api/*, /admin/* to)"),
        ("fail", "no frontend target group in scope (none attached to the frontend container by the service, none on port 3000, none that the listener rules forward a catch-all to)"),
    ),
    case(
        "no service, names alone decide nothing (ports and rules tell nothing)",
        chain(no_service, anonymous_tgs(("ctj-stage-django", 80), ("ctj-stage-nextjs", 80)), remove_rule(RULE_ADMIN),
              with_rule(RULE_API, conditions=paths("/v2/*")), with_rule(RULE_FRONTEND, conditions=paths("/docs/*"))),
        ("fail", "no backend target group in scope (none attached to the backend container by the service, none on port 8000, none that the listener rules forward /api/*, /admin/* to)"),
        ("fail", "no frontend target group in scope (none attached to the frontend container by the service, none on port 3000, none that the listener rules forward a catch-all to)"),
        ('fail', 'no catch-all listener rule (path_pattern "/*") forwards to the frontend target group'),
        NO_API,
        NO_ADMIN,
    ),
    case(
        "a target group named 'web' that the service wires to Django is the backend's; 'api' wired to Next.js the frontend's",
        chain(anonymous_tgs(("api", 8000), ("web", 3000)), on_tg(f"{SVC}.aws_lb_target_group.a", name="web", port=80),
              on_tg(f"{SVC}.aws_lb_target_group.b", name="api", port=80)),
        PASS,
    ),
    case(
        "rules that follow the target group names, not the wiring, fail",
        chain(on_tg(TG_BACKEND, name="web"), on_tg(TG_FRONTEND, name="api"), retarget(RULE_API, TG_FRONTEND), retarget(RULE_ADMIN, TG_FRONTEND),
              retarget(RULE_FRONTEND, TG_BACKEND)),
        ("fail", f"catch-all rule {RULE_FRONTEND} (priority 110) forwards to {TG_BACKEND}, not the frontend target group {TG_FRONTEND}", AT_RULE_FRONTEND),
        ("fail", f"/api/* is routed by {RULE_API} to {TG_FRONTEND}, not the backend target group {TG_BACKEND}", AT_RULE_API),
        ("fail", f"/admin/* is routed by {RULE_ADMIN} to {TG_FRONTEND}, not the backend target group {TG_BACKEND}", AT_RULE_ADMIN),
    ),
    case(
        "no service, target groups told by their addresses only",
        chain(no_service, lambda d: [setattr(t, "name", n) or setattr(t, "port", 80) for t, n in zip(d.target_groups, ("tg-a", "tg-b"), strict=True)] and d),
        PASS,
    ),
    # unknown: every branch
    case(
        "two /api/* rules without an order, and /admin/* after the catch-all: both reported",
        chain(add_rule(f"{SVC}.aws_lb_listener_rule.api_old", None, "/api/*", TG_BACKEND), with_rule(RULE_ADMIN, priority=120)),
        ("unknown", f"{SVC}.aws_lb_listener_rule.api_old sets no priority (AWS assigns one at apply time), so which rule routes /api/* cannot be decided; set priority explicitly"),
        ("fail", f"{RULE_ADMIN} (/admin/*, priority 120) is evaluated after the catch-all {RULE_FRONTEND} (priority 110); give it a smaller priority number", AT_RULE_ADMIN),
    ),
    case(
        "a path pattern from a module output",
        chain(with_rule(RULE_ADMIN, conditions=paths(Ref(f"{SCOPE}.module.paths", "admin")))),
        ("unknown", f"path patterns of {RULE_ADMIN} are not known: path_pattern of {RULE_ADMIN} is unresolved reference", AT_RULE_ADMIN),
        MAYBE_ADMIN,  # the rule whose patterns are not known may be the one routing /admin/*
    ),
    case(
        "a path pattern known after apply",
        chain(with_rule(RULE_ADMIN, conditions=paths(Unknown(KNOWN_AFTER_APPLY, "var.admin_path")))),
        ("unknown", f"path patterns of {RULE_ADMIN} are not known: var.admin_path is known after apply; {HINT}", AT_RULE_ADMIN),
        MAYBE_ADMIN,  # the rule whose patterns are not known may be the one routing /admin/*
    ),
    case(
        "the path patterns of both backend rules known after apply: each may be either",
        chain(with_rule(RULE_ADMIN, conditions=paths(Unknown(KNOWN_AFTER_APPLY, "var.admin_path"))), with_rule(RULE_API, conditions=paths(Unknown(KNOWN_AFTER_APPLY, "var.api_path")))),
        ("unknown", f"path patterns of {RULE_API} are not known: var.api_path is known after apply; {HINT}", AT_RULE_API),
        ("unknown", f"path patterns of {RULE_ADMIN} are not known: var.admin_path is known after apply; {HINT}", AT_RULE_ADMIN),
        ("unknown", f"cannot tell whether a listener rule routes /api/*: the path patterns of {RULE_API}, {RULE_ADMIN} are not known", AT_RULE_API),
        ("unknown", f"cannot tell whether a listener rule routes /admin/*: the path patterns of {RULE_API}, {RULE_ADMIN} are not known", AT_RULE_API),
    ),
    case(
        "the backend's target group is known only after apply",
        chain(lbs((Unknown(KNOWN_AFTER_APPLY, f"{SERVICE}.load_balancer[0].target_group_arn"), "django", 8000), (TG_FRONTEND, "nextjs", 3000))),
        ("unknown", f"cannot tell which target group is the backend's: {SERVICE}.load_balancer[0].target_group_arn is known after apply; {HINT}"),
    ),
    case(
        "unknown catch-all priority",
        chain(with_rule(RULE_FRONTEND, priority=Unknown(KNOWN_AFTER_APPLY, f"{RULE_FRONTEND}.priority"))),
        ("unknown", f"priority of {RULE_FRONTEND} is not known ({RULE_FRONTEND}.priority is known after apply; {HINT}), so which catch-all rule applies cannot be decided", AT_RULE_FRONTEND),
    ),
    case(
        "unset catch-all priority",
        chain(with_rule(RULE_FRONTEND, priority=None)),
        ("unknown", f"{RULE_FRONTEND} sets no priority (AWS assigns one at apply time), so which catch-all rule applies cannot be decided; set priority explicitly", AT_RULE_FRONTEND),
    ),
    case(
        "/api/* target unresolved",
        chain(retarget(RULE_API, Ref(f"{SCOPE}.module.lb", "backend_tg_arn"))),
        ("unknown", f"cannot tell whether {RULE_API} forwards /api/* to {TG_BACKEND}: {SCOPE}.module.lb.backend_tg_arn is unresolved reference (does not name a target group in scope)", AT_RULE_API),
    ),
    case(
        "an unset catch-all priority, no path condition: the route /*",
        chain(with_rule(RULE_FRONTEND, conditions=(), priority=None)),
        ("unknown", f"{RULE_FRONTEND} sets no priority (AWS assigns one at apply time), so which catch-all rule applies cannot be decided; set priority explicitly", AT_RULE_FRONTEND),
    ),
    case(
        "an unset catch-all priority, path '*': the route *",
        chain(with_rule(RULE_FRONTEND, conditions=paths("*"), priority=None)),
        ("unknown", f"{RULE_FRONTEND} sets no priority (AWS assigns one at apply time), so which catch-all rule applies cannot be decided; set priority explicitly", AT_RULE_FRONTEND),
    ),
    case(
        "catch-all target unresolved",
        chain(retarget(RULE_FRONTEND, Ref(f"{SCOPE}.module.lb", "frontend_tg_arn"))),
        ("unknown", f"cannot tell whether catch-all rule {RULE_FRONTEND} forwards to {TG_FRONTEND}: {SCOPE}.module.lb.frontend_tg_arn is unresolved reference (does not name a target group in scope)", AT_RULE_FRONTEND),
    ),
    case(
        "catch-all action type unknown",
        chain(with_rule(RULE_FRONTEND, actions=(RuleAction(Unknown(KNOWN_AFTER_APPLY, f"{RULE_FRONTEND}.action[0].type")),))),
        ("unknown", f"cannot tell whether catch-all rule {RULE_FRONTEND} forwards to {TG_FRONTEND}: {RULE_FRONTEND}.action[0].type is known after apply; {HINT}", AT_RULE_FRONTEND),
    ),
    case(
        "unset /api/* priority",
        chain(with_rule(RULE_API, priority=None)),
        ("unknown", f"{RULE_API} sets no priority (AWS assigns one at apply time), so whether /api/* is evaluated before the catch-all cannot be decided; set priority explicitly", AT_RULE_API),
    ),
    case(
        "unknown /api/* priority",
        chain(with_rule(RULE_API, priority=Unknown(KNOWN_AFTER_APPLY, f"{RULE_API}.priority"))),
        ("unknown", f"priority of {RULE_API} is not known ({RULE_API}.priority is known after apply; {HINT}), so whether /api/* is evaluated before the catch-all cannot be decided", AT_RULE_API),
    ),
    case(
        "/api/* priority not a number",
        chain(with_rule(RULE_API, priority="first")),
        ("unknown", f"priority of {RULE_API} is not known ('first'), so whether /api/* is evaluated before the catch-all cannot be decided", AT_RULE_API),
    ),
    case(
        "two /api/* rules, one without a priority",
        chain(add_rule(f"{SVC}.aws_lb_listener_rule.api_old", None, "/api/*", TG_BACKEND)),
        ("unknown", f"{SVC}.aws_lb_listener_rule.api_old sets no priority (AWS assigns one at apply time), so which rule routes /api/* cannot be decided; set priority explicitly"),
    ),
    case(
        "unknown path patterns",
        chain(with_rule(RULE_ADMIN, conditions=Unknown(KNOWN_AFTER_APPLY, f"{RULE_ADMIN}.condition"))),
        ("unknown", f"path patterns of {RULE_ADMIN} are not known: {RULE_ADMIN}.condition is known after apply; {HINT}", AT_RULE_ADMIN),
        MAYBE_ADMIN,  # the rule whose patterns are not known may be the one routing /admin/*
    ),
    case(
        "no known catch-all, a rule whose patterns are unknown",
        chain(remove_rule(RULE_FRONTEND), with_rule(RULE_ADMIN, conditions=Unknown(KNOWN_AFTER_APPLY, f"{RULE_ADMIN}.condition"))),
        ("unknown", f"path patterns of {RULE_ADMIN} are not known: {RULE_ADMIN}.condition is known after apply; {HINT}", AT_RULE_ADMIN),
        ("unknown", f"cannot tell whether a listener rule is a catch-all: the path patterns of {RULE_ADMIN} are not known", AT_RULE_ADMIN),
        MAYBE_ADMIN,
    ),
    case(
        "/api/* target group from an unresolved module output",
        chain(retarget(RULE_API, Ref(f"{SCOPE}.module.lb", "backend_tg_arn"))),
        ("unknown", f"cannot tell whether {RULE_API} forwards /api/* to {TG_BACKEND}: {SCOPE}.module.lb.backend_tg_arn is unresolved reference (does not name a target group in scope)", AT_RULE_API),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


def test_a_path_configured_twice_is_reported_once():
    config = replace(CONFIG, backend_paths=("/api/*", "/api/*"))
    assert findings(RULE, chain(remove_rule(RULE_API))(), config) == [NO_API]


HCL = [
    case("stage1", {}, PASS),
    case(
        "the catch-all first",
        {"routes.tf": sub("priority     = 110", "priority     = 90")},
        ("fail", "aws_lb_listener_rule.api (/api/*, priority 100) is evaluated after the catch-all aws_lb_listener_rule.frontend (priority 90); give it a smaller priority number", "routes.tf:5"),
        ("fail", "aws_lb_listener_rule.admin (/admin/*, priority 101) is evaluated after the catch-all aws_lb_listener_rule.frontend (priority 90); give it a smaller priority number", "routes.tf:19"),
    ),
    case("a '*' catch-all", {"routes.tf": sub('values = ["/*"]', 'values = ["*"]')}, PASS),
    case("the /admin/* rule removed", {"routes.tf": sub('values = ["/admin/*"]', 'values = ["/static/*"]')}, NO_ADMIN),
    case(
        "/api/* forwards to a variable with no value",
        {
            "routes.tf": sub("priority     = 100\n  action {\n    type             = \"forward\"\n    target_group_arn = aws_lb_target_group.backend.arn",
                             "priority     = 100\n  action {\n    type             = \"forward\"\n    target_group_arn = var.api_tg"),
            "variables.tf": 'variable "api_tg" {\n  type = string\n}\n',
        },
        ("unknown", "cannot tell whether aws_lb_listener_rule.api forwards /api/* to aws_lb_target_group.backend: var.api_tg is unresolved reference (the variable has no value and no default: pass --var/--var-file)", "routes.tf:5"),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


# what each undecided finding is about: the route it could not decide (issue 14: the subject was never compared)
ABOUT = [
    pytest.param(chain(add_rule(f"{SVC}.aws_lb_listener_rule.api_old", None, "/api/*", TG_BACKEND)), [("unknown", ("route", "/api/*"))], id="an /api/* rule without a priority"),
    pytest.param(chain(with_rule(RULE_FRONTEND, priority=Unknown(KNOWN_AFTER_APPLY, f"{RULE_FRONTEND}.priority"))), [("unknown", ("route", "/*"))], id="the catch-all's priority unknown"),
    pytest.param(chain(with_rule(RULE_FRONTEND, priority=None)), [("unknown", ("route", "/*"))], id="the catch-all's priority unset"),
    pytest.param(chain(with_rule(RULE_ADMIN, conditions=paths(Unknown(KNOWN_AFTER_APPLY, "var.admin_path")))),
                 [("unknown", ("block", RULE_ADMIN)), ("unknown", ("route", "/admin/*"))], id="the /admin/* rule's patterns unknown"),
]


@pytest.mark.parametrize(("build", "expected"), ABOUT)
def test_undecided_findings_are_about_the_route(build, expected):
    from ctj_policy.rules import get_rule

    got = [(f.status, (f.subject.kind, f.subject.name)) for f in get_rule(RULE).check(build(), CONFIG) if f.status != "pass"]
    assert got == expected


# what each finding is about (issue 14: a dropped or renamed subject= changes baselines and the diagram, not the message)
SUBJECTS = [
    ("an unset catch-all priority, no path condition: the route /*", [("unknown", "route", "/*", None)]),
    ("an unset catch-all priority, path '*': the route *", [("unknown", "route", "*", None)]),
    ('catch-all target unresolved', [('unknown', 'route', '/*', None)]),
    ('/api/* target unresolved', [('unknown', 'route', '/api/*', None)]),
    ('roles by image only (symbolic: ECR references)', [('pass', 'block', 'module.civic-tech-jobs', None)]),
    ('/api/v1/* does not cover /api/*', [('fail', 'route', '/api/*', None)]),
    ('no /admin/* rule', [('fail', 'route', '/admin/*', None)]),
    ('catch-all to the backend', [('fail', 'route', '/*', None)]),
    ('no listener rules', [('fail', 'block', 'module.civic-tech-jobs', None)]),
    ('the backend attached to a target group not in scope', [('fail', 'target_group', 'backend', None)]),
    ('no /api/* rule, and /admin/* after the catch-all: both reported', [('fail', 'route', '/api/*', None), ('fail', 'route', '/admin/*', None)]),
    ('no service, nothing tells the target groups apart (one rule set forwards everything to one of them)', [('fail', 'target_group', 'backend', None), ('fail', 'target_group', 'frontend', None)]),
    ('no service, names alone decide nothing (ports and rules tell nothing)', [('fail', 'target_group', 'backend', None), ('fail', 'target_group', 'frontend', None), ('fail', 'route', '/*', None), ('fail', 'route', '/api/*', None), ('fail', 'route', '/admin/*', None)]),
    ('rules that follow the target group names, not the wiring, fail', [('fail', 'route', '/*', None), ('fail', 'route', '/api/*', None), ('fail', 'route', '/admin/*', None)]),
    ('two /api/* rules without an order, and /admin/* after the catch-all: both reported', [('unknown', 'route', '/api/*', None), ('fail', 'route', '/admin/*', None)]),
    ('a path pattern from a module output', [('unknown', 'block', 'module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_lb_listener_rule.admin', None), ('unknown', 'route', '/admin/*', None)]),
    ('the path patterns of both backend rules known after apply: each may be either', [('unknown', 'block', 'module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_lb_listener_rule.api', None), ('unknown', 'block', 'module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_lb_listener_rule.admin', None), ('unknown', 'route', '/api/*', None), ('unknown', 'route', '/admin/*', None)]),
    ("the backend's target group is known only after apply", [('unknown', 'target_group', 'backend', None)]),
    ('unknown catch-all priority', [('unknown', 'route', '/*', None)]),
    ('unset /api/* priority', [('unknown', 'route', '/api/*', None)]),
    ('no known catch-all, a rule whose patterns are unknown', [('unknown', 'block', 'module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_lb_listener_rule.admin', None), ('unknown', 'route', '/*', None), ('unknown', 'route', '/admin/*', None)]),
]


@pytest.mark.parametrize(("name", "expected"), SUBJECTS, ids=[s[0] for s in SUBJECTS])
def test_what_the_findings_are_about(name, expected):
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
