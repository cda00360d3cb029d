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
