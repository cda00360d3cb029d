"""The rule set as a whole: metadata, the SPEC's IDs, robustness, no secret in any message."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from ctj_policy.model import ERROR, STATUSES, WARNING, Deployment, Finding, Unknown, KNOWN_AFTER_APPLY
from ctj_policy.rules import ALL_RULES, RULES_BY_ID, get_rule

from .builders import CONFIG, del_secret, legacy, secret_to_env, set_env, stage1, unknown_containers

SPEC = Path(__file__).resolve().parents[3] / "shared" / "SPEC.md"
SPEC_IDS = ("CTJ001", "CTJ002", "CTJ003", "CTJ004", "CTJ010", "CTJ011", "CTJ012", "CTJ020", "CTJ021", "CTJ022", "CTJ023", "CTJ024", "CTJ025", "CTJ026", "CTJ027", "CTJ030", "CTJ031", "CTJ032")
WARNINGS = {"CTJ027", "CTJ030"}


def test_ids_match_spec_in_order():
    assert tuple(r.id for r in ALL_RULES) == SPEC_IDS
    assert set(RULES_BY_ID) == set(SPEC_IDS)


@pytest.mark.skipif(not SPEC.is_file(), reason="shared SPEC.md not present")
def test_ids_match_spec_table():
    table = re.findall(r"^\| (CTJ\d{3}) \|", SPEC.read_text(encoding="utf-8"), flags=re.M)
    assert tuple(table) == SPEC_IDS


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_metadata(rule):
    assert rule.title and rule.rationale and rule.remediation
    assert rule.severity == (WARNING if rule.id in WARNINGS else ERROR)
    assert "seed" in rule.rationale.lower() and "decision" in rule.rationale.lower()
    assert callable(rule.check)
    assert rule.check.__module__ == f"ctj_policy.rules.{rule.id.lower()}"


def test_get_rule_case_insensitive():
    assert get_rule("ctj021") is RULES_BY_ID["CTJ021"]
    assert get_rule(" Ctj001 ") is RULES_BY_ID["CTJ001"]
    with pytest.raises(KeyError):
        get_rule("CTJ999")


def _all(dep: Deployment) -> list[tuple[str, Finding]]:
    out = []
    for rule in ALL_RULES:
        findings = list(rule.check(dep, CONFIG))
        assert findings, f"{rule.id} yielded nothing"
        for f in findings:
            assert isinstance(f, Finding)
            assert f.status in STATUSES and f.status != "waived"
            assert f.message and "\n" not in f.message
            out.append((rule.id, f))
    return out


@pytest.mark.parametrize(
    "build",
    [Deployment, stage1, lambda: stage1(True), legacy, lambda: unknown_containers(stage1())],
    ids=["empty", "stage1", "stage1-symbolic", "legacy", "unknown-containers"],
)
def test_every_rule_reports(build):
    _all(build())


def test_stage1_passes_everything():
    for rule_id, f in _all(stage1()) + _all(stage1(True)):
        assert f.status == "pass", (rule_id, f.message)


def test_unknown_containers_is_never_pass_for_container_rules():
    by_rule = {}
    for rule_id, f in _all(unknown_containers(stage1())):
        by_rule.setdefault(rule_id, set()).add(f.status)
    for rule_id in ("CTJ001", "CTJ004", "CTJ021", "CTJ022", "CTJ023", "CTJ024", "CTJ025", "CTJ027", "CTJ030", "CTJ031", "CTJ032"):
        assert by_rule[rule_id] == {"unknown"}, rule_id


def test_findings_carry_address_and_location():
    dep = stage1()
    dep = secret_to_env(dep, "django", "SQL_PASSWORD", "x-plain")
    for rule_id in ("CTJ023", "CTJ031"):
        f = next(f for f in get_rule(rule_id).check(dep, CONFIG) if f.status == "fail")
        assert f.address == dep.task_definitions[0].address
        assert f.location is not None and f.location.line == 40  # the django container


def test_no_secret_value_in_any_message():
    """Random secret values in secret-looking and sensitive variables never appear in a message."""
    values = [secrets.token_hex(12) for _ in range(8)]
    dep = stage1()
    dep = secret_to_env(dep, "django", "SQL_PASSWORD", values[0])
    dep = secret_to_env(dep, "django", "DJANGO_SECRET_KEY", values[1])
    dep = secret_to_env(dep, "postgres", "POSTGRES_PASSWORD", values[2])
    dep = set_env(dep, "nextjs", "NEXTAUTH_SECRET", values[3])
    dep = set_env(dep, "django", "DATABASE_URL", values[4], sensitive=True)
    dep = set_env(dep, "django", "DJANGO_DEBUG", values[5], sensitive=True)  # a sensitive value under a checked name
    dep = set_env(dep, "django", "SQL_USER", values[6], sensitive=True)  # compared against POSTGRES_USER
    dep = set_env(dep, "django", "SQL_PORT", values[7], sensitive=True)
    messages = [f.message for _, f in _all(dep)]
    assert any(f.status == "fail" for _, f in _all(dep))
    for v in values:
        for m in messages:
            assert v not in m
    # and the variables are named
    joined = "\n".join(messages)
    for name in ("SQL_PASSWORD", "DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "NEXTAUTH_SECRET", "DATABASE_URL"):
        assert name in joined


def test_unknown_value_is_not_truth_tested():
    """Rules never truth-test an Unknown (it raises): every field unknown at once."""
    dep = stage1()
    u = Unknown(KNOWN_AFTER_APPLY, "x")
    t = dep.task_definitions[0]
    t.network_mode = u
    t.requires_compatibilities = u
    t.volumes = u
    t.containers = tuple(
        type(c)(name=c.name, image=u, port_mappings=u, environment=u, secrets=u, mount_points=u, depends_on=u, health_check=u) for c in t.containers
    )
    s = dep.services[0]
    s.desired_count = s.deployment_maximum_percent = s.deployment_minimum_healthy_percent = s.launch_type = u
    s.load_balancers = u
    for tg in dep.target_groups:
        tg.port = tg.target_type = u
    for r in dep.listener_rules:
        r.priority = u
        r.conditions = u
        r.actions = u
    for i in dep.ingress_rules:
        i.from_port = i.to_port = i.protocol = u
    statuses = {f.status for _, f in _all(dep)}
    assert "unknown" in statuses


def test_missing_password_is_not_pass():
    dep = del_secret(stage1(), "django", "SQL_PASSWORD")
    assert [f.status for f in get_rule("CTJ023").check(dep, CONFIG)] == ["fail"]
