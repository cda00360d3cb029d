"""Regression tests for the rule defects of issue 14: each input is Stage 1 changed in exactly one place,
and each test fails if the verdict it names goes back (unknown must stay unknown, boundaries and AWS
defaults hold).  The per-rule tables (tests/rules/test_ctjNNN.py) cover the rules in full."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    DockerVolumeConfig,
    LoadBalancerAttachment,
    Ref,
    RuleAction,
    RuleCondition,
    Service,
    Unknown,
    Volume,
)

from .builders import (
    DB_ARN,
    RULE_API,
    RULE_FRONTEND,
    SERVICE,
    TASK,
    TG_BACKEND,
    autoscaling,
    listener_rule,
    run,
    service,
    set_env,
    set_secret,
    stage1,
    task,
    tg,
)

LATER = Unknown(KNOWN_AFTER_APPLY, "x.y")


def statuses(rule_id: str, dep) -> list[str]:
    return [status for status, _ in run(rule_id, dep)]


def test_stage1_passes_the_rules_below():
    """The baseline every case changes in one place."""
    for rule_id in ("CTJ010", "CTJ012", "CTJ022", "CTJ023", "CTJ024", "CTJ026", "CTJ031"):
        assert statuses(rule_id, stage1()) == ["pass"], rule_id


# --------------------------------------------------------------------------
# unknown must be unknown
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        LATER,
        Ref("data.aws_lb_target_group.frontend", "arn"),  # a data source may be the target group in scope
        Ref("module.civic-tech-jobs.module.routing", "frontend_target_group_arn"),  # an unresolved module output
    ],
    ids=["known-after-apply", "data-source", "module-output"],
)
def test_ctj010_catch_all_target_unresolved_is_unknown(target):
    dep = stage1()
    listener_rule(dep, RULE_FRONTEND).actions = (RuleAction("forward", (target,)),)
    assert statuses("CTJ010", dep) == ["unknown"]


def test_ctj010_catch_all_to_another_target_group_resource_fails():
    """A reference to a target group RESOURCE that is not the frontend's is decided: it is another one."""
    dep = stage1()
    listener_rule(dep, RULE_FRONTEND).actions = (RuleAction("forward", (Ref("aws_lb_target_group.elsewhere", "arn"),)),)
    assert statuses("CTJ010", dep) == ["fail"]


def test_ctj012_unknown_load_balancer_container_port_is_unknown():
    dep = stage1()
    s = service(dep)
    s.load_balancers = (s.load_balancers[0], LoadBalancerAttachment(s.load_balancers[1].target_group, "nextjs", LATER))
    assert statuses("CTJ012", dep) == ["unknown"]


def test_ctj012_unknown_target_group_port_is_unknown():
    dep = stage1()
    tg(dep, TG_BACKEND).port = LATER
    assert statuses("CTJ012", dep) == ["unknown"]


def test_ctj012_unknown_load_balancer_container_name_is_unknown():
    """The block may name the database container: it is not 'nothing attaches Postgres'."""
    dep = stage1()
    s = service(dep)
    s.load_balancers = (s.load_balancers[0], LoadBalancerAttachment(s.load_balancers[1].target_group, LATER, 3000))
    assert statuses("CTJ012", dep) == ["unknown"]


@pytest.mark.parametrize("value", [LATER, Ref("module.civic-tech-jobs.module.db", "host")], ids=["unknown", "ref"])
def test_ctj022_sql_host_known_only_after_apply_is_unknown(value):
    assert statuses("CTJ022", set_env(stage1(), "django", "SQL_HOST", value)) == ["unknown"]


def test_ctj022_unknown_sql_user_is_unknown():
    """same_value(Unknown, x) is None, never True: the comparison stays undecided."""
    assert statuses("CTJ022", set_env(stage1(), "django", "SQL_USER", LATER)) == ["unknown"]


def test_ctj026_unknown_autoscaling_max_capacity_is_unknown():
    assert statuses("CTJ026", autoscaling(stage1(), LATER)) == ["unknown"]
    assert statuses("CTJ026", autoscaling(stage1(), 1)) == ["pass"]
    assert statuses("CTJ026", autoscaling(stage1(), 2)) == ["fail"]


# --------------------------------------------------------------------------
# boundaries and AWS defaults
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host, status",
    [
        ("localhost", "pass"),
        ("127.0.0.1", "pass"),
        ("::1", "pass"),
        (" LOCALHOST ", "pass"),
        ("db.localhost.evil.example.com", "fail"),
        ("localhost.example.com", "fail"),
        ("127.0.0.10", "fail"),
    ],
)
def test_ctj022_sql_host_is_compared_exactly(host, status):
    assert statuses("CTJ022", set_env(stage1(), "django", "SQL_HOST", host)) == [status]


def test_ctj023_a_previous_version_of_the_secret_is_not_the_same_password():
    dep = set_secret(stage1(), "django", "SQL_PASSWORD", f"{DB_ARN}:password:AWSPREVIOUS:")
    assert statuses("CTJ023", dep) == ["fail"]


def test_ctj023_the_current_stage_is_what_no_stage_reads():
    dep = set_secret(stage1(), "django", "SQL_PASSWORD", f"{DB_ARN}:password:AWSCURRENT:")
    assert statuses("CTJ023", dep) == ["pass"]


def test_ctj023_a_password_also_in_plaintext_fails():
    dep = set_env(stage1(), "django", "SQL_PASSWORD", "also-in-plaintext")
    found = run("CTJ023", dep)
    assert [s for s, _ in found] == ["fail"] and "also set in plaintext" in found[0][1]


@pytest.mark.parametrize("pattern", ["/*", "*"])
def test_ctj010_a_star_pattern_is_a_catch_all(pattern):
    dep = stage1()
    listener_rule(dep, RULE_FRONTEND).conditions = (RuleCondition(path_patterns=(pattern,)),)
    assert statuses("CTJ010", dep) == ["pass"]


def test_ctj010_a_specific_rule_with_the_catch_alls_priority_fails():
    dep = stage1()
    listener_rule(dep, RULE_API).priority = listener_rule(dep, RULE_FRONTEND).priority
    assert statuses("CTJ010", dep) == ["fail"]
    listener_rule(dep, RULE_API).priority = listener_rule(dep, RULE_FRONTEND).priority - 1
    assert statuses("CTJ010", dep) == ["pass"]


@pytest.mark.parametrize("name", ["DB_PASSWD", "SSH_PRIVATE", "GITHUB_CREDENTIAL", "AWS_CREDENTIALS", "MY_KEY_ID", "API_KEY_VALUE", "STRIPE_KEY"])
def test_ctj031_secret_name_patterns(name):
    assert statuses("CTJ031", set_env(stage1(), "nextjs", name, "v")) == ["fail"]


@pytest.mark.parametrize("name", ["NODE_ENV", "API_URL", "KEYBOARD_LAYOUT", "MONKEY"])
def test_ctj031_ordinary_names_pass(name):
    assert statuses("CTJ031", set_env(stage1(), "nextjs", name, "v")) == ["pass"]


@pytest.mark.parametrize(
    "scope, status",
    [(None, "fail"), ("task", "fail"), ("shared", "pass"), (LATER, "unknown")],
    ids=["no-scope", "task", "shared", "unknown"],
)
def test_ctj024_docker_volume_scope_defaults_to_task(scope, status):
    """EC2 stage: a docker volume persists only with scope 'shared'; AWS's default scope is 'task'."""
    dep = stage1()
    task(dep).volumes = (Volume("pgdata", docker=DockerVolumeConfig(scope=scope)),)
    assert statuses("CTJ024", dep) == [status]


def test_ctj026_two_services_running_the_task_fail():
    dep = stage1()
    dep.services.append(
        Service(SERVICE + "_2", task_definition=Ref(TASK, "arn"), desired_count=1, deployment_maximum_percent=100, deployment_minimum_healthy_percent=0)
    )
    found = run("CTJ026", dep)
    assert [s for s, _ in found] == ["fail"] and "2 services run" in found[0][1]


def test_ctj026_unset_maximum_percent_is_the_aws_default_200():
    dep = stage1()
    service(dep).deployment_maximum_percent = None
    found = run("CTJ026", dep)
    assert [s for s, _ in found] == ["fail"] and "AWS default 200" in found[0][1]


def test_ctj012_any_container_on_5432_behind_a_load_balancer_fails():
    """SPEC: no target group admits 5432.  The containers share the task's network namespace, so a block
    attaching ANY container on 5432 makes its target group admit the task's 5432, where Postgres listens."""
    dep = stage1()
    s = service(dep)
    s.load_balancers = (*s.load_balancers, LoadBalancerAttachment(s.load_balancers[1].target_group, "nextjs", 5432))
    found = run("CTJ012", dep)
    assert [st for st, _ in found] == ["fail"] and "port 5432" in found[0][1]
