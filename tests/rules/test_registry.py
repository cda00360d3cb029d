"""The rule registry as the per-rule tests use it (test_meta.py covers ids and metadata)."""

from __future__ import annotations

import pytest

from ctj_policy.rules import ALL_RULES, get_rule


def test_unknown_rule_id_names_the_known_ones():
    with pytest.raises(KeyError) as err:
        get_rule("CTJ999")
    message = err.value.args[0]
    assert message.startswith("no rule 'CTJ999' (known: ")
    assert ", ".join(r.id for r in ALL_RULES) in message


def test_every_rule_has_its_test_file():
    """Adding a rule means adding tests/rules/test_<id>.py next to this file."""
    from pathlib import Path

    here = Path(__file__).parent
    missing = [r.id for r in ALL_RULES if not (here / f"test_{r.id.lower()}.py").is_file()]
    assert not missing, f"rules without a test file: {missing}"


# Discovery runs when the package is imported; these call it again on a package path of stand-in modules, in-process
# (so a mutant of _discover or of Rule's checks is seen by the test that guards it).
STAND_IN = """\
from ctj_policy.model import ERROR
from ctj_policy.rules.base import Rule

RULE = Rule(id="{id}", title="stand-in", severity=ERROR, rationale="r", remediation="m", check=lambda d, c: iter(()))
"""


def _discover_in(tmp_path, monkeypatch, files: dict[str, str]):
    import importlib
    import sys

    import ctj_policy.rules as package

    for name, text in files.items():
        (tmp_path / f"{name}.py").write_text(text, encoding="utf-8")
        monkeypatch.delitem(sys.modules, f"ctj_policy.rules.{name}", raising=False)
    monkeypatch.setattr(package, "__path__", [str(tmp_path)])
    importlib.invalidate_caches()
    try:
        return package._discover()
    finally:
        for name in files:
            sys.modules.pop(f"ctj_policy.rules.{name}", None)


def test_discovery_takes_every_ctjnnn_module_in_id_order_and_nothing_else(tmp_path, monkeypatch):
    found = _discover_in(tmp_path, monkeypatch, {
        "ctj098": STAND_IN.format(id="CTJ098"),
        "ctj097": STAND_IN.format(id="CTJ097"),
        "helpers": "raise AssertionError('not a rule module: never imported')\n",
        "ctj0971": "raise AssertionError('ctj + 4 digits is not a rule module')\n",
        "xctj096": "raise AssertionError('not a rule module')\n",
    })
    assert [r.id for r in found] == ["CTJ097", "CTJ098"]


@pytest.mark.parametrize(("text", "message"), [
    ("X = 1\n", "ctj_policy.rules.ctj095 defines no RULE"),
    ("RULE = 'CTJ095'\n", "ctj_policy.rules.ctj095 defines no RULE"),
    (STAND_IN.format(id="CTJ094"), "ctj_policy.rules.ctj095 defines CTJ094; the module name must be its ID"),
], ids=["no RULE", "RULE not a Rule", "RULE of another ID"])
def test_discovery_refuses_a_module_that_is_not_its_rule(tmp_path, monkeypatch, text, message):
    with pytest.raises(ImportError) as err:
        _discover_in(tmp_path, monkeypatch, {"ctj095": text})
    assert str(err.value) == message


def test_discovery_matches_the_module_name_case_insensitively(tmp_path, monkeypatch):
    assert [r.id for r in _discover_in(tmp_path, monkeypatch, {"ctj093": STAND_IN.format(id="ctj093")})] == ["ctj093"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"severity": "fatal"}, "CTJ090: severity must be 'error' or 'warning'"),
    ({"applies_to": "everything"}, "CTJ090: applies_to must be one of "),
    ({"needs": ("a-database",)}, "CTJ090: 'a-database' is not one of "),
    ({"provides": ("a-database",)}, "CTJ090: 'a-database' is not one of "),
], ids=["severity", "applies_to", "needs", "provides"])
def test_a_rule_with_a_value_out_of_its_set_is_refused(changes, message):
    from dataclasses import replace

    with pytest.raises(ValueError) as err:
        replace(get_rule("CTJ001"), id="CTJ090", **changes)
    assert str(err.value).startswith(message), err.value


@pytest.mark.parametrize("severity", ["error", "warning"])
def test_a_rule_of_either_severity_is_accepted(severity):
    from dataclasses import replace

    assert replace(get_rule("CTJ001"), severity=severity).severity == severity
