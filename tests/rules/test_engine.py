"""The engine as the rules feed it: results carry rule metadata and finding fields, waivers, redaction, exit code.

In-process (the CLI tests cover the same through a subprocess, which mutation testing cannot see).
"""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest

from ctj_policy.config import WaiverSpec
from ctj_policy.engine import Evaluation, apply_waivers, evaluate, run_rules
from ctj_policy.model import ERROR, WARNING, Finding, Location, Result, Subject
from ctj_policy.rules import ALL_RULES, TERRAFORM_RULES, get_rule
from ctj_policy.rules.base import Rule
from ctj_policy.workflow_model import Workflow

from .builders import CONFIG, SVC, TASK, chain, loc, on_task, stage1

TODAY = datetime.date(2025, 6, 1)
BRIDGE = chain(on_task(network_mode="bridge"))
BRIDGE_MESSAGE = f"task {TASK} uses network_mode 'bridge'; containers share localhost only with \"awsvpc\""


def fake(rule_id="CTJ999", severity=ERROR, *findings):
    return Rule(id=rule_id, title=f"title of {rule_id}", severity=severity, rationale="r", remediation="m", check=lambda d, c: iter(findings))


def result(status, severity=ERROR, rule_id="CTJ999"):
    return Result(rule_id=rule_id, title="t", severity=severity, status=status, message="m")


# ---------------------------------------------------------------- exit code and counts


@pytest.mark.parametrize(
    "results, kwargs, code",
    [
        ([result("pass")], {}, 0),
        ([result("waived")], {}, 0),
        ([result("fail")], {}, 1),
        ([result("unknown")], {}, 1),
        ([result("unknown")], {"allow_unknown": True}, 0),
        ([result("fail")], {"allow_unknown": True}, 1),
        ([result("fail", WARNING)], {}, 0),
        ([result("unknown", WARNING)], {}, 0),
        ([result("fail", WARNING)], {"fail_on": WARNING}, 1),
        ([result("pass", WARNING), result("fail", ERROR)], {"fail_on": ERROR}, 1),
        ([result("pass"), result("pass", WARNING)], {"fail_on": WARNING}, 0),
        ([replace(result("fail"), baseline="unchanged")], {}, 0),
        ([replace(result("unknown"), baseline="unchanged")], {}, 0),
        ([replace(result("fail"), baseline="new")], {}, 1),
    ],
    ids=["pass", "waived", "fail", "unknown", "unknown allowed", "fail with unknown allowed", "warning fails",
         "warning unknown", "warning fails, fail_on warning", "error fails", "all pass, fail_on warning",
         "a fail the baseline knows", "an unknown the baseline knows", "a fail new to the baseline"],
)
def test_exit_code(results, kwargs, code):
    assert Evaluation(results).exit_code(**kwargs) == code


def test_counts():
    e = Evaluation([result("pass"), result("fail"), result("fail"), result("unknown")])
    assert e.counts() == {"pass": 1, "fail": 2, "unknown": 1, "waived": 0}
    assert evaluate(stage1(), CONFIG).counts() == {"pass": len(TERRAFORM_RULES), "fail": 0, "unknown": 0, "waived": 0}


# ---------------------------------------------------------------- results


def test_run_rules_stamps_rule_metadata_and_keeps_finding_fields():
    where = Location("main.tf", 7)
    subject = Subject("block", "aws_x.y")
    rule = fake("CTJ999", WARNING, Finding("fail", "bad", address="aws_x.y", location=where, subject=subject))
    assert run_rules(stage1(), CONFIG, [rule]) == [
        Result(rule_id="CTJ999", title="title of CTJ999", severity=WARNING, status="fail", message="bad", address="aws_x.y", location=where, subject=subject)
    ]


def test_run_rules_defaults_to_every_rule():
    """Every rule; those that judge a deploy workflow only when one is given (SPEC section 11)."""
    assert [r.rule_id for r in run_rules(stage1(), CONFIG)] == [r.id for r in TERRAFORM_RULES]
    assert len(TERRAFORM_RULES) < len(ALL_RULES)
    dep = stage1()
    dep.workflows = [Workflow("deploy.yml")]
    assert sorted({r.rule_id for r in run_rules(dep, CONFIG)}) == [r.id for r in ALL_RULES]
    assert [r.rule_id for r in run_rules(stage1(), CONFIG, [get_rule("CTJ040")])] == []
    # a workflow rule skipped does not end the run: the rules after it still run
    assert [r.rule_id for r in run_rules(stage1(), CONFIG, [get_rule("CTJ040"), get_rule("CTJ001")])] == ["CTJ001"]


def test_a_rule_without_result_is_an_error():
    with pytest.raises(AssertionError, match="rule CTJ999 produced no result"):
        run_rules(stage1(), CONFIG, [fake()])


def test_evaluate_only_and_rules():
    assert [r.rule_id for r in evaluate(stage1(), CONFIG, only=["CTJ003", "CTJ001"]).results] == ["CTJ001", "CTJ003"]
    rule = fake("CTJ999", ERROR, Finding("pass", "fine"))
    assert [r.rule_id for r in evaluate(stage1(), CONFIG, rules=[rule]).results] == ["CTJ999"]


def test_results_are_sorted_by_rule_address_message():
    rule = fake("CTJ999", ERROR, Finding("fail", "b", address="x"), Finding("fail", "a", address="x"), Finding("fail", "z"))
    assert [(r.address, r.message) for r in evaluate(stage1(), CONFIG, rules=[rule]).results] == [(None, "z"), ("x", "a"), ("x", "b")]


# ---------------------------------------------------------------- waivers


def waived(waiver, dep=None, rules=None):
    config = CONFIG.__class__(**{**CONFIG.__dict__, "waivers": (waiver,)})
    return evaluate(dep or BRIDGE(), config, rules=rules, only=None if rules else ["CTJ003"], today=TODAY).results


def test_a_waiver_turns_a_fail_into_waived_with_its_reason():
    [r] = waived(WaiverSpec("CTJ003", "*", "bridge until the cutover"))
    assert (r.status, r.message, r.waiver_reason) == ("waived", f"{BRIDGE_MESSAGE} [waived: bridge until the cutover]", "bridge until the cutover")


def test_a_waiver_leaves_a_pass_alone():
    config = CONFIG.__class__(**{**CONFIG.__dict__, "waivers": (WaiverSpec("CTJ003", "*", "x"),)})
    [r] = evaluate(stage1(), config, only=["CTJ003"], today=TODAY).results
    assert r.status == "pass" and r.waiver_reason is None


@pytest.mark.parametrize(
    "waiver, is_waived",
    [
        (WaiverSpec("CTJ003", TASK, "r"), True),
        (WaiverSpec("CTJ0*", "*", "r"), True),
        (WaiverSpec("CTJ004", "*", "r"), False),
        (WaiverSpec("CTJ003", f"{SVC}.aws_ecs_service.this", "r"), False),
        (WaiverSpec("CTJ003", SVC, "r"), True),  # a module call covers what is inside it
        (WaiverSpec("CTJ003", "module.civic-tech-jobs.module.civic_*_service", "r"), True),
        (WaiverSpec("CTJ003", "", "r"), True),  # no address: every address
    ],
    ids=["exact address", "rule glob", "other rule", "other address", "module call", "glob over a module", "no address"],
)
def test_waiver_matching(waiver, is_waived):
    [r] = waived(waiver)
    assert (r.status == "waived") is is_waived


@pytest.mark.parametrize(("address", "is_waived"), [("*", True), ("", True), ("?*", False), ("aws_*", False)],
                         ids=["star", "no address", "a pattern needing a character", "a type glob"])
def test_a_finding_without_an_address_is_waived_only_by_a_waiver_for_every_address(address, is_waived):
    rule = fake("CTJ999", ERROR, Finding("fail", "bad"))
    [r] = waived(WaiverSpec("CTJ999", address, "r"), rules=[rule])
    assert (r.status == "waived") is is_waived


def test_a_waiver_on_an_instance_key_with_brackets_covers_what_is_inside():
    rule = fake("CTJ999", ERROR, Finding("fail", "bad", address='module.m["a"].aws_x.y'))
    [r] = waived(WaiverSpec("CTJ999", 'module.m["a"]', "r"), rules=[rule])
    assert r.status == "waived"


def test_an_expired_waiver_is_itself_a_finding_and_waives_nothing():
    w = WaiverSpec("CTJ003", "*", "r", expires="2025-05-31", origin="pyproject.toml")
    results = waived(w)
    assert results == [
        Result(
            rule_id="CTJ003", title="expired waiver", severity=WARNING, status="fail",
            message="waiver for CTJ003 on * expired on 2025-05-31 (pyproject.toml): the finding counts again; renew or remove it",
            address=None, location=None, subject=Subject("waiver", "*"),
        ),
        Result(rule_id="CTJ003", title=get_rule("CTJ003").title, severity=ERROR, status="fail", message=BRIDGE_MESSAGE, address=TASK, location=loc(1), subject=Subject("task", TASK)),
    ]  # fmt: skip


def test_an_expired_waiver_without_an_address_names_every_address():
    results = waived(WaiverSpec("CTJ003", "", "r", expires="2025-05-31", origin="ctj-policy.toml"))
    assert [(r.title, r.message, r.address, r.subject) for r in results][0] == (
        "expired waiver", "waiver for CTJ003 on * expired on 2025-05-31 (ctj-policy.toml): the finding counts again; renew or remove it",
        None, Subject("waiver", "*"),
    )


def test_a_waiver_expiring_today_still_applies():
    [r] = waived(WaiverSpec("CTJ003", "*", "r", expires="2025-06-01"))
    assert r.status == "waived"


def test_apply_waivers_returns_the_expired_ones():
    w = WaiverSpec("CTJ003", "*", "r", expires="2020-01-01")
    e = apply_waivers([result("fail", rule_id="CTJ003")], [w], TODAY)
    assert e.expired_waivers == [w] and e.results[0].status == "fail"


# ---------------------------------------------------------------- redaction of what the engine prints


def test_secrets_are_redacted_in_waiver_reasons_messages_and_addresses():
    dep = BRIDGE()
    dep.redact = {"hunter2-secret", "abc", "s3cr", "s3cr3t-longer"}
    rule = fake("CTJ999", ERROR, Finding("fail", "bad", address='aws_x.y["hunter2-secret"]'))
    config = CONFIG.__class__(**{**CONFIG.__dict__, "waivers": (WaiverSpec("CTJ003", "*", "until hunter2-secret rotates; s3cr3t-longer, abc"),)})
    results = evaluate(dep, config, rules=[get_rule("CTJ003"), rule], today=TODAY).results
    waived_result, other = results
    assert waived_result.waiver_reason == "until (redacted) rotates; (redacted), abc"
    assert waived_result.message == f"{BRIDGE_MESSAGE} [waived: until (redacted) rotates; (redacted), abc]"
    assert other.address == 'aws_x.y["(redacted)"]'


def test_redaction_masks_a_secret_whole_even_when_a_shorter_one_sorts_first():
    """Longest first, not alphabetical: 'zzzz' inside 'aazzzzaa' must not leave 'aa...aa' around a mask."""
    dep = BRIDGE()
    dep.redact = {"zzzz", "aazzzzaa", "k9#q"}
    config = CONFIG.__class__(**{**CONFIG.__dict__, "waivers": (WaiverSpec("CTJ003", "*", "see aazzzzaa and k9#q"),)})
    [r] = evaluate(dep, config, only=["CTJ003"], today=TODAY).results
    assert r.waiver_reason == "see (redacted) and (redacted)"


def test_no_secrets_no_change():
    e = evaluate(BRIDGE(), CONFIG, only=["CTJ003"], today=TODAY)
    assert e.results[0].message == BRIDGE_MESSAGE
