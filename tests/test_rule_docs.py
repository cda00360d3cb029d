"""docs/rules.md is generated from the rules and must not go stale; every rule explains itself."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, run_cli
from ctj_policy.rules import ALL_RULES


def test_rules_doc_is_current():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_rules_doc.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_rule_is_documented_and_explained():
    doc = (ROOT / "docs" / "rules.md").read_text()
    for rule in ALL_RULES:
        assert f"## {rule.id}" in doc
        proc = run_cli("explain", rule.id.lower())
        assert proc.returncode == 0
        out = proc.stdout.decode()
        assert rule.id in out and rule.title in out
        assert "decision" in rule.rationale.lower() or "seed" in rule.rationale.lower(), rule.id
