"""Waivers (SPEC section 6): inline comments on .tf blocks and [[tool.ctj-policy.waivers]] entries."""

from __future__ import annotations

import datetime
import json
import re
import shutil

import pytest

from conftest import TERRAFORM, run_cli
from ctj_policy.config import DEFAULT, ConfigError, config_from_table
from ctj_policy.engine import evaluate
from ctj_policy.loaders import InputError
from ctj_policy.loaders.hcl import load_hcl
from ctj_policy.waivers import WaiverSyntaxError, glob_escape, parse_comment, scan_text

ENV = "projects/civic-tech-jobs/environment-stage.tf"
SERVICE_CALL = 'module "civic_tech_jobs_stage_service" {'


def _tree(tmp_path, comment: str, *, desired: int = 2):
    root = tmp_path / "tf"
    shutil.copytree(TERRAFORM / "stage1", root)
    env = root / ENV
    text = env.read_text().replace("desired_count                      = 1", f"desired_count                      = {desired}")
    assert SERVICE_CALL in text
    env.write_text(text.replace(SERVICE_CALL, comment + "\n" + SERVICE_CALL))
    return root


def _statuses(root, today=None, config=DEFAULT):
    loaded = load_hcl(root, config)
    ev = evaluate(loaded.deployment, config, today=today)
    return ev, {(r.rule_id, r.status) for r in ev.results}


# --- comment syntax ---------------------------------------------------------------


@pytest.mark.parametrize(
    "rest, rules, reason, expires",
    [
        (' CTJ026 reason="one writer by design" expires=2027-01-31', ("CTJ026",), "one writer by design", "2027-01-31"),
        (' CTJ026,CTJ027 reason="x y"', ("CTJ026", "CTJ027"), "x y", None),
        (' ctj026 reason="say \\"no\\"" expires="2030-01-01"', ("CTJ026",), 'say "no"', "2030-01-01"),
    ],
)
def test_parse_comment(rest, rules, reason, expires):
    assert parse_comment(rest, "f.tf:1") == (rules, reason, expires)


@pytest.mark.parametrize(
    "rest, message",
    [
        (" CTJ026", "needs a reason"),
        (' CTJ026 reason=""', "needs a reason"),
        (' reason="x"', "needs a rule id"),
        (' CTJ026 reason="x" expires=2027-13-01', "YYYY-MM-DD"),
        (' CTJ026 reason="x" expires=20270131', "YYYY-MM-DD"),  # 3.11's fromisoformat would take it
        (' CTJ026 reason="x" expires=2027-01-31T00:00', "YYYY-MM-DD"),
        (' CTJ026 reason="x" owner=me', "unknown waiver field"),
        (' NOPE reason="x"', "not a rule id"),
    ],
)
def test_bad_comments_are_usage_errors(rest, message):
    with pytest.raises(WaiverSyntaxError, match=message) as info:
        parse_comment(rest, "env.tf:7")
    assert str(info.value).startswith("env.tf:7: ")


def test_comment_must_sit_above_a_block():
    lines = ['# ctj-policy:ignore CTJ026 reason="x"', "", 'resource "a" "b" {', "}"]
    with pytest.raises(WaiverSyntaxError, match="directly above"):
        scan_text(lines, "m.tf")
    lines = ['# ctj-policy:ignore CTJ026 reason="x"', "# another comment", 'module "m" {', "}"]
    (w,) = scan_text(lines, "m.tf")
    assert (w.line, w.block_line, w.rules) == (1, 3, ("CTJ026",))


def test_glob_escape_matches_instance_addresses_literally():
    import fnmatch

    assert fnmatch.fnmatchcase('aws_x.y["a"]', glob_escape('aws_x.y["a"]'))
    assert not fnmatch.fnmatchcase("aws_x.ya", glob_escape('aws_x.y["a"]'))


# --- inline waivers end to end -----------------------------------------------------


def test_inline_waiver_on_a_module_call_covers_its_resources(tmp_path):
    _, before = _statuses(_tree(tmp_path / "a", "# plain comment"))
    assert ("CTJ026", "fail") in before
    root = _tree(tmp_path / "b", '# ctj-policy:ignore CTJ026 reason="migration window" expires=2999-01-01')
    ev, after = _statuses(root)
    assert ("CTJ026", "waived") in after and ("CTJ026", "fail") not in after
    waived = [r for r in ev.results if r.status == "waived"][0]
    assert waived.waiver_reason == "migration window"
    assert ev.exit_code() == 0


def test_inline_waiver_covers_only_its_rules(tmp_path):
    root = _tree(tmp_path, '# ctj-policy:ignore CTJ027 reason="not this one"')
    _, statuses = _statuses(root)
    assert ("CTJ026", "fail") in statuses


def test_expired_inline_waiver_counts_again_and_is_reported(tmp_path):
    root = _tree(tmp_path, '# ctj-policy:ignore CTJ026 reason="old" expires=2020-01-01')
    ev, statuses = _statuses(root)
    assert ("CTJ026", "fail") in statuses
    expired = [r for r in ev.results if "expired" in r.message]
    assert expired and "2020-01-01" in expired[0].message and ENV in expired[0].message
    assert ev.exit_code() == 1


def test_waiver_expiring_today_still_applies(tmp_path):
    root = _tree(tmp_path, '# ctj-policy:ignore CTJ026 reason="last day" expires=2026-06-30')
    _, statuses = _statuses(root, today=datetime.date(2026, 6, 30))
    assert ("CTJ026", "waived") in statuses


@pytest.mark.subprocess
def test_missing_reason_is_exit_2_with_file_and_line(tmp_path):
    root = _tree(tmp_path, "# ctj-policy:ignore CTJ026")
    with pytest.raises(InputError, match=r"environment-stage\.tf:\d+: a waiver needs a reason"):
        load_hcl(root, DEFAULT)
    out = run_cli("check", str(root))
    assert out.returncode == 2
    assert b"needs a reason" in out.stderr and b"Traceback" not in out.stderr


def test_waiver_on_a_counted_resource(tmp_path):
    root = tmp_path / "tf"
    shutil.copytree(TERRAFORM / "legacy", root)
    main = root / "modules" / "container" / "main.tf"
    text = main.read_text().replace(
        'resource "aws_ecs_service" "fargate" {',
        '# ctj-policy:ignore CTJ026 reason="legacy, going away"\nresource "aws_ecs_service" "fargate" {',
    )
    main.write_text(text)
    ev, statuses = _statuses(root)
    ctj026 = {r.status for r in ev.results if r.rule_id == "CTJ026"}
    assert ctj026 == {"waived"}, ev.results


# --- file waivers ------------------------------------------------------------------


def test_file_waiver_from_config(tmp_path):
    root = _tree(tmp_path, "# nothing inline")
    config = config_from_table(
        {"waivers": [{"rule": "CTJ026", "address": "module.civic-tech-jobs.*", "reason": "pilot", "expires": "2999-12-31"}]}
    )
    _, statuses = _statuses(root, config=config)
    assert ("CTJ026", "waived") in statuses


def test_file_waiver_needs_a_reason():
    with pytest.raises(ConfigError, match="reason"):
        config_from_table({"waivers": [{"rule": "CTJ026", "address": "*"}]})


@pytest.mark.subprocess
def test_cli_json_reports_waived(tmp_path):
    root = _tree(tmp_path, '# ctj-policy:ignore CTJ026 reason="migration window"')
    out = run_cli("check", str(root), "--format", "json")
    assert out.returncode == 0, out.stdout.decode() + out.stderr.decode()
    doc = json.loads(out.stdout)
    assert doc["summary"]["waived"] >= 1


# --- waivers for rules that do not exist (issue 13 point 12) ------------------------------


@pytest.mark.subprocess
def test_inline_waiver_for_a_rule_that_does_not_exist_is_exit_2(tmp_path):
    root = _tree(tmp_path, '# ctj-policy:ignore CTJ999 reason="typo for CTJ026"')
    out = run_cli("check", str(root))
    assert out.returncode == 2, out.stdout.decode()
    err = out.stderr.decode().strip()
    assert len(err.splitlines()) == 1
    assert re.search(r"environment-stage\.tf:\d+: a waiver names rule 'CTJ999', which does not exist", err), err


@pytest.mark.subprocess
def test_inline_waiver_ids_are_case_insensitive(tmp_path):
    root = _tree(tmp_path, '# ctj-policy:ignore ctj026 reason="one writer by design"')
    out = run_cli("check", str(root), "--format", "json")
    assert out.returncode == 0, out.stdout.decode() + out.stderr.decode()
    assert {r["status"] for r in json.loads(out.stdout)["results"] if r["rule_id"] == "CTJ026"} == {"waived"}


@pytest.mark.subprocess
def test_config_waiver_for_a_rule_that_does_not_exist_is_exit_2(tmp_path):
    root = _tree(tmp_path, "# nothing inline")
    cfg = tmp_path / ".ctj-policy.toml"
    cfg.write_text('[[waivers]]\nrule = "ctj999"\naddress = "module.civic-tech-jobs.*"\nreason = "x"\n')
    out = run_cli("check", str(root), "--config", str(cfg))
    assert out.returncode == 2
    assert "a waiver names rule 'CTJ999', which does not exist" in out.stderr.decode()


def test_waiver_syntax_error_is_an_input_error():
    with pytest.raises(InputError):
        parse_comment(" CTJ026", "f.tf:1")


HEREDOC = [
    'resource "aws_ecs_task_definition" "task" {',
    "  family = \"x\"",
    "  container_definitions = <<-EOT",
    "    # ctj-policy:ignore CTJ026 reason=\"inside a string\"",
    "    not a block",
    "  EOT",
    "}",
    "locals {",
    "  script = <<EOT",
    "#!/bin/sh",
    "# ctj-policy:ignore CTJ026 reason=\"inside a string\"",
    'module "m" {',
    "EOT",
    "}",
]


def test_heredoc_lines_are_not_waivers():
    """Issue 13 point 12: text inside a heredoc that starts with # ctj-policy:ignore is string content."""
    assert scan_text(HEREDOC, "main.tf") == []
    # and after the heredoc ends, waivers work again
    lines = [*HEREDOC, '# ctj-policy:ignore CTJ026 reason="real"', 'module "svc" {', "}"]
    found = scan_text(lines, "main.tf")
    assert [(w.rules, w.line, w.block_line) for w in found] == [(("CTJ026",), len(HEREDOC) + 1, len(HEREDOC) + 2)]


def test_a_comment_that_mentions_a_heredoc_does_not_open_one():
    lines = ['# x = <<EOT', '# ctj-policy:ignore CTJ026 reason="real"', 'module "svc" {', "}"]
    assert [w.block_line for w in scan_text(lines, "main.tf")] == [3]
