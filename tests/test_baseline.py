"""Baselines (SPEC 10): fingerprints, matching by count, fixed entries, the file format."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from ctj_policy import baseline
from ctj_policy.baseline import NEW, UNCHANGED, BaselineError, Fingerprint
from ctj_policy.engine import Evaluation
from ctj_policy.model import Location, Result, Subject

TASK = "module.civic-tech-jobs.module.svc.aws_ecs_task_definition.task"
SERVICE = "module.civic-tech-jobs.module.svc.aws_ecs_service.fargate[0]"
SECRET = "hunter2-very-secret"


SECRET_KEY_SUBJECT = Subject("env", "SECRET_KEY", "web")


def result(rule="CTJ031", status="fail", address=TASK, subject=SECRET_KEY_SUBJECT, message="m", line=10):
    return Result(rule, "t", "error", status, message, address, Location("projects/civic-tech-jobs/env.tf", line), subject=subject)


def test_fingerprint_is_rule_address_subject_and_ignores_lines_messages_and_files():
    a = result(line=10, message=f"SECRET_KEY holds {SECRET}")
    b = result(line=99, message="reworded after a reformat")
    b = Result(**{**b.__dict__, "location": Location("elsewhere/moved.tf", 3)})
    assert baseline.fingerprint(a) == baseline.fingerprint(b) == Fingerprint("CTJ031", TASK, "env:web/SECRET_KEY")


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(result(rule="CTJ032"), id="other rule"),
        pytest.param(result(address=SERVICE), id="other address"),
        pytest.param(result(subject=Subject("env", "API_TOKEN", "web")), id="other variable"),
        pytest.param(result(subject=Subject("env", "SECRET_KEY", "worker")), id="same variable, other container"),
        pytest.param(result(address=TASK.replace("task", "task[1]")), id="other instance key"),
    ],
)
def test_fingerprint_tells_apart(other):
    assert baseline.fingerprint(other) != baseline.fingerprint(result())


def test_without_subject_the_message_digest_decides_and_holds_no_value():
    a = result(subject=None, message=f"no repository 'civic-tech-jobs-backend' ({SECRET})")
    b = result(subject=None, message="no repository 'civic-tech-jobs-frontend'")
    fa, fb = baseline.fingerprint(a), baseline.fingerprint(b)
    assert fa != fb and fa.subject.startswith("message:")
    assert SECRET not in baseline.dumps([fa])


def test_expired_waiver_has_no_fingerprint_and_is_always_new():
    expired = result(rule="CTJ026", subject=Subject("waiver", "module.civic-tech-jobs.*"), address=None)
    assert baseline.fingerprint(expired) is None
    recorded = baseline.Baseline((Fingerprint("CTJ026", "", "waiver:module.civic-tech-jobs.*"),))
    assert baseline.apply([expired], recorded).results[0].baseline == NEW


def test_apply_marks_unchanged_new_and_lists_fixed():
    known = result()
    fixed = Fingerprint("CTJ022", TASK, "env:web/SQL_HOST")
    recorded = baseline.Baseline((baseline.fingerprint(known), fixed))
    new = result(subject=Subject("env", "API_TOKEN", "web"))
    passing = result(status="pass", subject=None)
    out = baseline.apply([known, new, passing], recorded)
    assert [r.baseline for r in out.results] == [UNCHANGED, NEW, None]
    assert out.fixed == [fixed]
    assert out.counts() == {"new": 1, "unchanged": 1, "fixed": 1}


def test_one_entry_accepts_one_result_a_second_failure_on_the_address_is_new():
    r = result()
    out = baseline.apply([r, r], baseline.Baseline((baseline.fingerprint(r),)))
    assert [x.baseline for x in out.results] == [UNCHANGED, NEW]


def test_unknown_results_are_recorded_and_accepted_like_failures():
    u = result(status="unknown")
    assert baseline.accepted([u, result(status="pass"), result(status="waived")]) == [baseline.fingerprint(u)]
    assert baseline.apply([u], baseline.Baseline(tuple(baseline.accepted([u])))).results[0].baseline == UNCHANGED


def test_exit_code_counts_only_new_results():
    known, new = result(), result(subject=Subject("env", "API_TOKEN", "web"))
    recorded = baseline.Baseline((baseline.fingerprint(known),))
    assert Evaluation(baseline.apply([known], recorded).results).exit_code() == 0
    assert Evaluation(baseline.apply([known, new], recorded).results).exit_code() == 1
    # without a baseline the same result fails the gate
    assert Evaluation([known]).exit_code() == 1


def test_file_round_trip_is_sorted_deterministic_and_valueless():
    entries = [baseline.fingerprint(result(subject=Subject("env", n, "web"), message=f"{n}={SECRET}")) for n in ("Z_KEY", "A_KEY")]
    text = baseline.dumps(entries)
    assert text == baseline.dumps(reversed(entries))
    assert SECRET not in text and "env.tf" not in text and '"line"' not in text
    doc = json.loads(text)
    assert doc["schema_version"] == 1 and doc["tool"] == "ctj-policy"
    assert [e["subject"] for e in doc["entries"]] == ["env:web/A_KEY", "env:web/Z_KEY"]
    assert baseline.loads(text).entries == tuple(sorted(entries))
    assert baseline.loads(baseline.dumps([])).entries == ()


@pytest.mark.parametrize(
    "text, says",
    [
        pytest.param("{", "invalid JSON", id="truncated"),
        pytest.param("[]", "not a ctj-policy baseline", id="not an object"),
        pytest.param('{"schema_version": 1, "entries": []}', "not a ctj-policy baseline", id="no tool"),
        pytest.param('{"schema_version": 7, "tool": "ctj-policy", "entries": []}', "schema_version 7", id="future schema"),
        pytest.param('{"schema_version": 1, "tool": "ctj-policy", "entries": {}}', "must be a list", id="entries not a list"),
        pytest.param('{"schema_version": 1, "tool": "ctj-policy", "entries": [{"rule": "CTJ001"}]}', "no string 'address'", id="entry incomplete"),
        pytest.param("[" * 100000, "invalid JSON", id="deeply nested"),
    ],
)
def test_bad_files_are_one_line_errors(text, says):
    with pytest.raises(BaselineError) as err:
        baseline.loads(text, "b.json")
    assert says in str(err.value) and "\n" not in str(err.value)


def test_read_missing_file_and_directory(tmp_path):
    with pytest.raises(BaselineError, match="not found"):
        baseline.read(str(tmp_path / "nope.json"))
    with pytest.raises(BaselineError, match="is a directory"):
        baseline.read(str(tmp_path))


def test_rule_ids_in_a_file_are_case_insensitive():
    text = f'{{"schema_version": 1, "tool": "ctj-policy", "entries": [{{"rule": "ctj031", "address": "{TASK}", "subject": "env:web/SECRET_KEY"}}]}}'
    assert baseline.apply([result()], baseline.loads(text)).results[0].baseline == UNCHANGED


def test_detail_tells_which_of_two_results_with_one_fingerprint_is_new():
    svc = Subject("service", SERVICE)
    kept = result(rule="CTJ026", address=SERVICE, subject=svc, message="minimum_healthy_percent is 100; must be 0")
    added = result(rule="CTJ026", address=SERVICE, subject=svc, message="maximum_percent is 200; must be at most 100")
    recorded = baseline.Baseline(tuple(baseline.accepted([kept])))
    out = baseline.apply([added, kept], recorded)  # the new one sorts first
    assert [r.baseline for r in out.results] == [NEW, UNCHANGED] and out.fixed == []


def test_detail_ignores_digits_and_a_reworded_message_still_matches():
    before = result(message="declared at main.tf:12, 1 container(s)")
    recorded = baseline.Baseline(tuple(baseline.accepted([before])))
    assert baseline.apply([result(message="declared at main.tf:40, 2 container(s)")], recorded).results[0].baseline == UNCHANGED
    assert baseline.apply([result(message="reworded entirely")], recorded).results[0].baseline == UNCHANGED
    # an entry written without a detail (hand-edited) matches too
    bare = baseline.loads(baseline.dumps([replace(baseline.fingerprint(before), detail="")]))
    assert bare.entries[0].detail == "" and baseline.apply([before], bare).results[0].baseline == UNCHANGED


def test_detail_is_a_digest_not_the_message():
    fp = baseline.fingerprint(result(message=f"SECRET_KEY holds {SECRET}"))
    text = baseline.dumps([fp])
    assert re.fullmatch(r"[0-9a-f]{16}", fp.detail) and fp.detail in text and SECRET not in text
    assert baseline.loads(text).entries[0].detail == fp.detail
