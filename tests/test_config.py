"""[tool.ctj-policy] / .ctj-policy.toml: found upward, overriding the decision's values, clear errors."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import PLANS, run_cli
from ctj_policy.config import DEFAULT, ConfigError, config_from_table, find_config, load_config


def test_defaults_are_the_decision():
    assert DEFAULT.postgres_major == 18
    assert (DEFAULT.frontend_port, DEFAULT.backend_port, DEFAULT.postgres_port) == (3000, 8000, 5432)
    assert DEFAULT.data_path == "/var/lib/postgresql/data"
    assert DEFAULT.frontend_repository == "civic-tech-jobs-frontend"


def test_found_upward_from_pyproject(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.ctj-policy]\npostgres-major = 17\nbackend-names = ["dj"]\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert find_config() == tmp_path / "pyproject.toml"
    cfg = load_config()
    assert cfg.postgres_major == 17 and cfg.backend_names == ("dj",)


@pytest.mark.parametrize("name", ["pyproject.toml", ".ctj-policy.toml"])
def test_no_toml_parser_is_a_config_error_not_a_skipped_file(tmp_path, monkeypatch, name):
    """Python 3.10 without tomli (e.g. Checkov's environment running the CTJ checks):
    a clear ConfigError, and a pyproject.toml is not silently passed over."""
    (tmp_path / name).write_text("postgres-major = 17\n" if name.startswith(".") else "[tool.ctj-policy]\npostgres-major = 17\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "tomllib", None)  # import -> ModuleNotFoundError
    monkeypatch.setitem(sys.modules, "tomli", None)
    with pytest.raises(ConfigError, match="needs the 'tomli' package"):
        load_config()


def test_dot_file_wins_and_pyproject_without_table_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / ".ctj-policy.toml").write_text("data-path = '/pgdata'\n")
    monkeypatch.chdir(tmp_path)
    assert load_config().data_path == "/pgdata"


@pytest.mark.parametrize(
    "table, needle",
    [
        ({"postgres-major": "18"}, "must be an integer"),
        ({"backend-names": 3}, "must be a list of strings"),
        ({"no-such-key": 1}, "unknown key 'no-such-key'"),
        ({"waivers": [{"rule": "CTJ026"}]}, "needs a non-empty 'reason'"),
        ({"waivers": [{"rule": "CTJ026", "reason": "x", "expires": "soon"}]}, "YYYY-MM-DD"),
        # accepted by Python 3.11's date.fromisoformat, not by 3.10: rejected on every version
        ({"waivers": [{"rule": "CTJ026", "reason": "x", "expires": "20270131"}]}, "YYYY-MM-DD"),
        ({"waivers": [{"rule": "CTJ026", "reason": "x", "expires": "2027-W05-1"}]}, "YYYY-MM-DD"),
    ],
)
def test_bad_values_are_config_errors(table, needle):
    with pytest.raises(ConfigError, match=needle):
        config_from_table(table, "t.toml")


def test_config_changes_the_verdict_end_to_end(tmp_path):
    """With postgres-major = 17 the Stage 1 postgres:18.1 image fails CTJ021."""
    cfg = tmp_path / ".ctj-policy.toml"
    cfg.write_text("postgres-major = 17\n")
    proc = run_cli("check", str(PLANS / "whole-account.json"), "--format", "json", "--config", str(cfg))
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    failing = {r["rule_id"] for r in report["results"] if r["status"] == "fail"}
    assert "CTJ021" in failing
    # and with the defaults the same plan passes
    assert run_cli("check", str(PLANS / "whole-account.json")).returncode == 0


def test_missing_config_file_is_exit_2(tmp_path):
    proc = run_cli("check", str(PLANS / "whole-account.json"), "--config", str(tmp_path / "nope.toml"))
    assert proc.returncode == 2
    assert len(proc.stderr.decode().strip().splitlines()) == 1


# --- hostile and ambiguous configuration (issue 13 points 10-12) -------------------------


def test_both_spellings_of_a_key_are_an_error():
    with pytest.raises(ConfigError, match="'postgres-major' and 'postgres_major' are the same key; keep one"):
        config_from_table({"postgres-major": 17, "postgres_major": 16}, "t.toml")
    assert config_from_table({"postgres_major": 16}, "t.toml").postgres_major == 16


def test_both_spellings_in_one_file_end_to_end(tmp_path):
    cfg = tmp_path / ".ctj-policy.toml"
    cfg.write_text("postgres-major = 17\npostgres_major = 16\n")
    proc = run_cli("check", str(PLANS / "whole-account.json"), "--config", str(cfg))
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().endswith("'postgres-major' and 'postgres_major' are the same key; keep one")


@pytest.mark.parametrize(
    "rule, expected", [("ctj026", "CTJ026"), (" Ctj026 ", "CTJ026"), ("ctj02*", "CTJ02*"), ("*", "*")]
)
def test_waiver_rule_ids_are_case_insensitive(rule, expected):
    cfg = config_from_table({"waivers": [{"rule": rule, "reason": "x"}]}, "t.toml")
    assert cfg.waivers[0].rule == expected


@pytest.mark.parametrize("rule", ["CTJ 026", "CTJ026;rm", "\x1b[31mCTJ026", "CTJ026,CTJ027"])
def test_waiver_rule_that_is_no_rule_id_is_an_error(rule):
    with pytest.raises(ConfigError, match="is not a rule ID") as info:
        config_from_table({"waivers": [{"rule": rule, "reason": "x"}]}, "t.toml")
    assert "\x1b" not in str(info.value)  # repr() escapes it


@pytest.mark.parametrize(
    "text",
    [
        "scope = " + "[" * 3000 + "]" * 3000 + "\n",
        "scope = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
        "[tool.ctj-policy]\nscope = " + "[" * 3000 + "]" * 3000 + "\n",
    ],
)
def test_toml_nested_3000_deep_is_a_config_error(tmp_path, text):
    cfg = tmp_path / ("pyproject.toml" if text.startswith("[tool") else ".ctj-policy.toml")
    cfg.write_text(text)
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(cfg)


def test_toml_integer_longer_than_python_converts_is_a_config_error(tmp_path):
    cfg = tmp_path / ".ctj-policy.toml"
    cfg.write_text("postgres-major = " + "9" * 5000 + "\n")
    with pytest.raises(ConfigError, match="a number too long to read"):
        load_config(cfg)


def test_config_that_is_not_a_regular_file(tmp_path):
    import os

    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.toml"
        os.mkfifo(fifo)
        with pytest.raises(ConfigError, match="a FIFO"):
            load_config(fifo)
    with pytest.raises(ConfigError, match="a directory"):
        load_config(tmp_path)
    if os.path.exists("/dev/zero"):
        with pytest.raises(ConfigError, match="a character device"):
            load_config("/dev/zero")


def test_huge_config_is_refused(tmp_path):
    cfg = tmp_path / ".ctj-policy.toml"
    cfg.write_text("# padding\n" * 500_000)  # 5 MB of comments
    with pytest.raises(ConfigError, match="larger than 4 MB"):
        load_config(cfg)


def test_config_not_utf8(tmp_path):
    cfg = tmp_path / ".ctj-policy.toml"
    cfg.write_bytes(b"scope = '\xff'\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(cfg)
