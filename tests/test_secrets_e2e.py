"""No output format, and no error, ever prints a secret.

A random string is planted (a) as the value of a PASSWORD env var in the CTJ
task's plaintext environment and (b) in an attribute the plan marks sensitive
(a random_password result that the container also interpolates).  Every format
is rendered through the real CLI; neither string may appear anywhere.
"""

from __future__ import annotations

import functools
import json
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import PLANS, run_cli

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
TD = "module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_ecs_task_definition.task"

# from the redactor's minimum length (4) up: short passwords are the ones a careless redactor prints
secret_text = st.text(alphabet=string.ascii_letters + string.digits + "!#%+-_=\\\"'|<&", min_size=4, max_size=40)


def _plant(tmp_path, password: str, sensitive: str):
    doc = json.loads((PLANS / "whole-account.json").read_text())
    for rc in doc["resource_changes"]:
        if rc["address"] == TD:
            change = rc["change"]
            containers = json.loads(change["after"]["container_definitions"])
            for c in containers:
                if c["name"] == "django":
                    c["environment"] = sorted(
                        c["environment"]
                        + [{"name": "EMAIL_PASSWORD", "value": password}, {"name": "WEBHOOK", "value": sensitive}],
                        key=lambda e: e["name"],
                    )
            change["after"]["container_definitions"] = json.dumps(containers, sort_keys=True, separators=(",", ":"))
            change["after_sensitive"] = {**change["after_sensitive"], "container_definitions": True}
    doc["resource_changes"].append(
        {
            "address": "random_password.webhook",
            "mode": "managed",
            "type": "random_password",
            "name": "webhook",
            "provider_name": "registry.terraform.io/hashicorp/random",
            "change": {
                "actions": ["no-op"],
                "before": {"length": len(sensitive), "result": sensitive},
                "after": {"length": len(sensitive), "result": sensitive},
                "after_unknown": {},
                "before_sensitive": {"result": True},
                "after_sensitive": {"result": True},
            },
        }
    )
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    return path


@functools.cache
def _ordinary_output() -> str:
    """Everything a run prints without any planted secret, plus the names the planted run adds.

    A "secret" that is part of this text (hypothesis mines literals such as
    ``terraform_ve`` from the code) would be found in every report without
    anything having leaked: such examples prove nothing and are skipped.
    """
    texts = []
    with tempfile.TemporaryDirectory() as tmp:
        # the planted run's own shape (failing results: SARIF results, JUnit failures...), with placeholders
        planted = _plant(Path(tmp), "placeholder-password-value", "placeholder-sensitive-value")
        for plan in (PLANS / "whole-account.json", planted):
            for fmt in FORMATS:
                proc = run_cli("check", str(plan), "-v", "--format", fmt)
                texts += [proc.stdout.decode(), proc.stderr.decode()]
    return "\n".join(texts + ["EMAIL_PASSWORD", "WEBHOOK", "random_password.webhook", TD])


def _forms(secret: str) -> set[str]:
    """The secret as written, and as repr()/JSON/backslash-doubling print it."""
    return {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], secret.replace("\\", "\\\\")}


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=secret_text, sensitive=secret_text)
def test_planted_secrets_never_printed(tmp_path, password, sensitive):
    ordinary = _ordinary_output()
    assume(not any(f in ordinary for f in _forms(password) | _forms(sensitive)))
    _check_planted(tmp_path, password, sensitive)


@pytest.mark.parametrize(
    "password, sensitive",
    [
        ("Ab3!", "x9Zq-1"),
        ("hunter2", "tR0ub4dr"),
        ("8xY!pL2#qW", "s3cr3tPa55!"),
        ("C:\\Sec\\r3t", "q\"u'o9"),
        ("a|b<c&d>", "50%:of,f"),
    ],
)
def test_short_and_escaped_secrets_never_printed(tmp_path, password, sensitive):
    """4 to 11 characters, backslashes, quotes, Markdown/HTML and workflow-command syntax."""
    assert not any(f in _ordinary_output() for f in _forms(password) | _forms(sensitive))
    _check_planted(tmp_path, password, sensitive)


def _check_planted(tmp_path, password: str, sensitive: str) -> None:
    path = _plant(tmp_path, password, sensitive)
    args = ["check", str(path)]
    for fmt in FORMATS:
        args += ["--format", fmt, "--output", str(tmp_path / f"out.{fmt}")]
    args += ["--format", "text", "-v"]
    proc = run_cli(*args)
    assert proc.returncode == 1, proc.stderr  # CTJ031 fails on both
    outputs = [proc.stdout.decode(), proc.stderr.decode()] + [(tmp_path / f"out.{fmt}").read_text() for fmt in FORMATS]
    for text in outputs:
        for form in _forms(password) | _forms(sensitive):
            assert form not in text
    report = json.loads((tmp_path / "out.json").read_text())
    ctj031 = [r["message"] for r in report["results"] if r["rule_id"] == "CTJ031" and r["status"] == "fail"]
    assert any("EMAIL_PASSWORD" in m for m in ctj031), ctj031
    assert any("WEBHOOK" in m for m in ctj031), ctj031


def test_secret_in_a_bad_input_error_is_not_echoed(tmp_path):
    secret = "S3cr3t-Hunter2-Zebra"
    path = tmp_path / "bad.json"
    path.write_text(
        '{"format_version": "1.2", "resource_changes": [{"address": "x", "type": "t", "change": {"after": "' + secret
    )
    proc = run_cli("check", str(path))
    assert proc.returncode == 2
    assert secret.encode() not in proc.stderr + proc.stdout
