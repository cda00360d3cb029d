"""The command line: option pairing, writes, exit codes, errors, colour, secrets.

In-process tests use stand-in loaders and rules defined here (installed with
monkeypatch), so every status/severity combination is under control.  The
end-to-end tests at the bottom run ``python -m ctj_policy`` on the real
fixtures through ``run_cli``.
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import stat
import sys
import types
from importlib import resources
from pathlib import Path

import click
import jsonschema
import pytest
from click.testing import CliRunner

import ctj_policy.engine  # noqa: F401  (import the real engine before any stand-in rules are installed)
from conftest import PLANS, ROOT, TERRAFORM, run_cli
from ctj_policy import __version__
from ctj_policy import cli as cli_mod
from ctj_policy.cli import CliError, cli, pair_outputs, write_atomic
from ctj_policy.loaders import InputError, Loaded
from ctj_policy.model import Deployment, Finding, InputInfo, Location
from ctj_policy.reporters import FORMATS
from ctj_policy.rules.base import Rule

SECRET = "hunter2-Sup3rSecretValue"
ADDR = "module.civic-tech-jobs.module.svc.aws_ecs_task_definition.task"


# --------------------------------------------------------------------------
# stand-ins
# --------------------------------------------------------------------------


def rule(rule_id: str, status: str, severity: str = "error", message: str | None = None, address: str | None = ADDR) -> Rule:
    def check(deployment, config):
        yield Finding(status=status, message=message or f"{rule_id} is {status}", address=address, location=Location("main.tf", 7))

    return Rule(id=rule_id, title=f"title {rule_id}", severity=severity, rationale=f"why {rule_id}", remediation=f"fix {rule_id}", check=check)


class Fake:
    """Installs stand-in ctj_policy.rules and loaders; records loader calls."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.calls: list[tuple] = []
        self.redact: set[str] = set()
        self.load_error: Exception | None = None
        self.rules([rule("TST001", "pass")])
        plan = types.ModuleType("ctj_policy.loaders.plan")
        plan.load_plan = self._load_plan
        hcl = types.ModuleType("ctj_policy.loaders.hcl")
        hcl.load_hcl = self._load_hcl
        hcl.apply_sources = self._apply_sources
        monkeypatch.setitem(sys.modules, "ctj_policy.loaders.plan", plan)
        monkeypatch.setitem(sys.modules, "ctj_policy.loaders.hcl", hcl)

    def rules(self, rules: list[Rule]) -> None:
        mod = types.ModuleType("ctj_policy.rules")
        mod.ALL_RULES = list(rules)
        mod.RULES_BY_ID = {r.id: r for r in rules}

        def get_rule(rule_id):
            return mod.RULES_BY_ID[rule_id]

        mod.get_rule = get_rule
        self.monkeypatch.setitem(sys.modules, "ctj_policy.rules", mod)

    def _loaded(self, kind, path, scope):
        if self.load_error is not None:
            raise self.load_error
        dep = Deployment(scope="module.civic-tech-jobs", redact=set(self.redact))
        info = InputInfo(kind=kind, path="<stdin>" if path == "-" else str(path), format_version="1.2" if kind == "plan" else None,
                         terraform_version="1.12.2" if kind == "plan" else None, scope="module.civic-tech-jobs")
        return Loaded(dep, info)

    def _load_plan(self, path, config, scope=None):
        self.calls.append(("load_plan", path, scope))
        return self._loaded("plan", path, scope)

    def _load_hcl(self, directory, config, scope=None, variables=None, var_files=()):
        self.calls.append(("load_hcl", directory, scope, dict(variables or {}), tuple(var_files)))
        return self._loaded("hcl", directory, scope)

    def _apply_sources(self, loaded, source_dir, config, variables=None, var_files=()):
        self.calls.append(("apply_sources", source_dir, dict(variables or {}), tuple(var_files)))


@pytest.fixture
def fake(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no config found upward from here, outputs land here
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("CTJ_POLICY_DEBUG", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    return Fake(monkeypatch)


def runner() -> CliRunner:
    try:  # click 8.1 mixes stderr into stdout unless told not to; 8.2+ keeps them apart
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


def invoke(*args: str, input: str | bytes | None = None, env: dict | None = None):
    return runner().invoke(cli, list(args), input=input, env=env, prog_name="ctj-policy")


def assert_usage_error(result, *needles: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    err = result.stderr
    assert "Traceback" not in err and "Traceback" not in result.stdout
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ctj-policy: error: "), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]


def report_schema() -> dict:
    return json.loads(resources.files("ctj_policy").joinpath("schemas/report.schema.json").read_text("utf-8"))


# --------------------------------------------------------------------------
# --format / --output pairing
# --------------------------------------------------------------------------

F, O = "formats", "outputs"  # noqa: E741 (F and O read as the option names in the tables below)


@pytest.mark.parametrize(
    "order, formats, outputs, expected",
    [
        ([], (), (), [("text", None)]),
        ([F], ("json",), (), [("json", None)]),
        ([F, O, F], ("sarif", "text"), ("ctj.sarif",), [("sarif", "ctj.sarif"), ("text", None)]),
        ([F, F, O], ("text", "sarif"), ("ctj.sarif",), [("text", None), ("sarif", "ctj.sarif")]),
        ([F, O, F, O, F], ("sarif", "markdown", "text"), ("a", "b"), [("sarif", "a"), ("markdown", "b"), ("text", None)]),
        ([O], (), ("report.txt",), [("text", "report.txt")]),
        ([F, O], ("json",), ("-",), [("json", None)]),
        (["path", "rule_ids", F, "scope", O], ("json",), ("r.json",), [("json", "r.json")]),
    ],
)
def test_pair_outputs(order, formats, outputs, expected):
    assert pair_outputs(order, formats, outputs) == expected


@pytest.mark.parametrize(
    "order, formats, outputs, needle",
    [
        ([F, F], ("json", "text"), (), "at most one format can go to stdout"),
        ([O, F], ("json",), ("a.json",), "comes before any --format"),
        ([F, O, O], ("json",), ("a", "b"), "already writes to a"),
        ([O, O], (), ("a", "b"), "already writes to a"),
        ([F, O, F, O], ("json", "sarif"), ("a", "a"), "given twice"),
        ([F], ("json", "text"), (), "could not pair"),
    ],
)
def test_pair_outputs_rejects(order, formats, outputs, needle):
    with pytest.raises(CliError, match=needle):
        pair_outputs(order, formats, outputs)


def test_format_output_pairs_from_the_command_line(fake):
    fake.rules([rule("TST001", "pass"), rule("TST002", "fail")])
    r = invoke("check", "plan.json", "--format", "sarif", "--output", "ctj.sarif", "--format", "json", "--output", "ctj.json", "--format", "text")
    assert r.exit_code == 1, r.stderr
    assert r.stdout.startswith("ctj-policy ")  # text on stdout
    assert json.loads(Path("ctj.sarif").read_text())["version"] == "2.1.0"
    doc = json.loads(Path("ctj.json").read_text())
    jsonschema.validate(doc, report_schema())
    assert doc["summary"]["exit_code"] == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--format=json", "--output=out.json"],
        ["-fjson", "-oout.json"],
        ["-f", "json", "-o", "out.json"],
        ["--rule", "TST001", "--format", "JSON", "--scope", "auto", "--output", "out.json"],
        ["--format", "json", "--output", "out.json", "--", "plan.json"],
    ],
)
def test_pairing_spellings(fake, args):
    argv = ["check", *args] if "--" in args else ["check", "plan.json", *args]
    r = invoke(*argv)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    assert json.loads(Path("out.json").read_text())["schema_version"] == 1


def test_option_value_that_looks_like_format_is_not_a_format(fake):
    # "--format" here is the value of --scope, not an option: it reaches the loader
    r = invoke("check", "plan.json", "--scope", "--format", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["schema_version"] == 1
    assert fake.calls[0] == ("load_plan", "plan.json", "--format")


def test_lone_output_writes_text(fake):
    r = invoke("check", "plan.json", "--output", "report.txt")
    assert r.exit_code == 0 and r.stdout == ""
    assert Path("report.txt").read_text().splitlines()[-1] == "1 passed, 0 failed, 0 unknown, 0 waived"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--format", "json", "--format", "text"], "at most one format can go to stdout"),
        (["--output", "a.json", "--format", "json"], "comes before any --format"),
        (["--format", "json", "--output", "a", "--output", "b"], "already writes to a"),
        (["--format", "yaml"], "'yaml' is not one of"),
    ],
)
def test_bad_pairing_is_a_usage_error(fake, args, needle):
    r = invoke("check", "plan.json", *args)
    assert_usage_error(r, needle)
    assert fake.calls == []  # nothing was loaded
    assert os.listdir(".") == []


def test_option_order_comes_from_clicks_hook_not_a_patched_parser(fake, monkeypatch):
    """The order is read through Command.parse_args (click's hook), never by replacing a method of click's parser."""
    from ctj_policy.cli import PairedOptionsCommand

    assert "make_parser" not in PairedOptionsCommand.__dict__
    assert "parse_args" in PairedOptionsCommand.__dict__
    parsers = []
    real = click.Command.make_parser

    def make_parser(self, ctx):
        parser = real(self, ctx)
        parsers.append(parser)
        return parser

    monkeypatch.setattr(click.Command, "make_parser", make_parser)
    r = invoke("check", "plan.json", "--format", "text", "--format", "json", "--output", "r.json")
    assert r.exit_code == 0, r.stderr
    assert parsers and all("parse_args" not in vars(p) for p in parsers)  # no instance attribute patched in
    assert r.stdout.startswith("ctj-policy ") and json.loads(Path("r.json").read_text())["schema_version"] == 1


@pytest.mark.parametrize(
    "args, stdout_kind, files",
    [
        (["-f", "sarif", "-o", "a.sarif", "-f", "json", "-o", "b.json"], "", {"a.sarif": "sarif", "b.json": "json"}),
        (["-f", "json"], "json", {}),
        (["-o", "r.txt"], "", {"r.txt": "text"}),
        (["-f", "json", "-o", "-"], "json", {}),
    ],
)
def test_pairing_by_position_when_click_gives_no_order(fake, monkeypatch, args, stdout_kind, files):
    """A click that does not report the option order: unambiguous pairs still work, the same way."""
    from ctj_policy.cli import PairedOptionsCommand

    monkeypatch.setattr(PairedOptionsCommand, "option_order", lambda self, ctx, args: None)
    r = invoke("check", "plan.json", *args)
    assert r.exit_code == 0, r.stderr
    assert (json.loads(r.stdout)["schema_version"] == 1) if stdout_kind == "json" else (r.stdout == "")
    for name, kind in files.items():
        text = Path(name).read_text()
        assert {"sarif": '"version": "2.1.0"', "json": '"schema_version": 1', "text": "1 passed"}[kind] in text, name


@pytest.mark.parametrize(
    "args", [["-f", "text", "-f", "sarif", "-o", "a.sarif"], ["-f", "sarif", "-o", "a.sarif", "-f", "text"]]
)
def test_ambiguous_pairing_without_click_order_is_exit_2(fake, monkeypatch, args):
    from ctj_policy.cli import PairedOptionsCommand

    monkeypatch.setattr(PairedOptionsCommand, "option_order", lambda self, ctx, args: None)
    r = invoke("check", "plan.json", *args)
    assert_usage_error(r, "cannot tell which --output belongs to which --format")
    assert fake.calls == [] and os.listdir(".") == []


def test_same_file_through_a_symlink_is_caught(fake):
    Path("a.json").write_text("old")
    os.symlink("a.json", "alink.json")
    r = invoke("check", "plan.json", "-f", "json", "-o", "a.json", "-f", "sarif", "-o", "alink.json")
    assert_usage_error(r, "--output alink.json is the same file as --output a.json (for json and sarif)")
    assert Path("a.json").read_text() == "old" and fake.calls == []
    # not yet existing: the same resolved path
    os.symlink("new.json", "newlink.json")
    r = invoke("check", "plan.json", "-f", "json", "-o", "newlink.json", "-f", "sarif", "-o", "new.json")
    assert_usage_error(r, "is the same file as --output newlink.json")
    # a hard link is the same file too
    os.link("a.json", "hard.json")
    r = invoke("check", "plan.json", "-f", "json", "-o", "a.json", "-f", "sarif", "-o", "hard.json")
    assert_usage_error(r, "is the same file as --output a.json")


# --------------------------------------------------------------------------
# atomic writes
# --------------------------------------------------------------------------


def test_write_atomic_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_atomic(str(target), b"new")
    assert target.read_bytes() == b"new"
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["r.json"]


def test_write_atomic_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    target.write_text("old")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(str(target), b"new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["r.json"]


def test_output_in_missing_directory_is_exit_2(fake):
    r = invoke("check", "plan.json", "--format", "json", "--output", "nope/r.json")
    assert_usage_error(r, "cannot write nope/r.json")
    assert not Path("nope").exists()


def test_output_onto_a_directory_is_exit_2(fake):
    os.mkdir("adir")
    r = invoke("check", "plan.json", "--output", "adir")
    assert_usage_error(r, "cannot write adir")
    assert os.listdir("adir") == []


def test_output_through_a_symlink_writes_the_file_it_points_to(fake):
    os.mkdir("reports")
    Path("reports/r.json").write_text("old")
    os.symlink("reports/r.json", "r.json")
    r = invoke("check", "plan.json", "-f", "json", "-o", "r.json")
    assert r.exit_code == 0, r.stderr
    assert os.path.islink("r.json")  # the link stays a link
    assert json.loads(Path("reports/r.json").read_text())["schema_version"] == 1
    assert sorted(os.listdir("reports")) == ["r.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_output_onto_a_fifo_writes_into_it(fake):
    """An existing FIFO (a process substitution, a named pipe) is written in place, not replaced by a file."""
    os.mkfifo("pipe")
    reader = os.open("pipe", os.O_RDONLY | os.O_NONBLOCK)
    try:
        r = invoke("check", "plan.json", "-f", "json", "-o", "pipe")
        assert r.exit_code == 0, r.stderr
        assert stat.S_ISFIFO(os.stat("pipe").st_mode)
        data = os.read(reader, 1 << 20)
    finally:
        os.close(reader)
    assert json.loads(data)["schema_version"] == 1
    assert os.listdir(".") == ["pipe"]  # no temp file left behind


def _char_device(path: str) -> None:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a second /dev/null, made here
    except (OSError, AttributeError) as exc:
        pytest.skip(f"cannot create a character device here ({exc}); needs root with CAP_MKNOD")


def test_output_onto_a_character_device_writes_into_it(fake):
    """`--output /dev/null` as root (CI containers) must not replace the device with a regular file."""
    _char_device("null")
    before = os.stat("null")
    r = invoke("check", "plan.json", "-f", "json", "-o", "null")
    assert r.exit_code == 0, r.stderr
    after = os.stat("null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert os.listdir(".") == ["null"]


def test_write_atomic_onto_a_character_device(tmp_path):
    target = str(tmp_path / "null")
    _char_device(target)
    write_atomic(target, b"report")
    assert stat.S_ISCHR(os.stat(target).st_mode)
    assert os.listdir(tmp_path) == ["null"]


def test_output_onto_a_directory_is_refused_before_loading(fake):
    os.mkdir("adir")
    r = invoke("check", "plan.json", "-f", "json", "-o", "adir")
    assert_usage_error(r, "cannot write adir: is a directory")
    assert fake.calls == [] and os.listdir("adir") == []


def test_render_failure_writes_no_file(fake, monkeypatch):
    import ctj_policy.reporters as reporters

    real = reporters.render

    def render(fmt, report, **options):
        if fmt == "sarif":
            raise RuntimeError(f"boom {SECRET}")
        return real(fmt, report, **options)

    monkeypatch.setattr(reporters, "render", render)
    r = invoke("check", "plan.json", "--format", "json", "--output", "a.json", "--format", "sarif", "--output", "b.sarif")
    assert r.exit_code == 2
    assert os.listdir(".") == []
    err = r.stderr.splitlines()
    assert len(err) == 1 and err[0].startswith("ctj-policy: internal error: RuntimeError")
    assert SECRET not in r.stderr and "Traceback" not in r.stderr
    assert "CTJ_POLICY_DEBUG=1" in err[0]


def test_debug_env_shows_the_traceback(fake, monkeypatch):
    fake.rules([rule("TST001", "pass")])
    fake.load_error = RuntimeError("kaput")
    r = invoke("check", "plan.json", env={"CTJ_POLICY_DEBUG": "1"})
    assert isinstance(r.exception, RuntimeError)


# --------------------------------------------------------------------------
# exit codes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "findings, args, code",
    [
        ([("pass", "error")], [], 0),
        ([("fail", "error")], [], 1),
        ([("unknown", "error")], [], 1),
        ([("unknown", "error")], ["--allow-unknown"], 0),
        ([("fail", "warning")], [], 0),
        ([("fail", "warning")], ["--fail-on", "warning"], 1),
        ([("fail", "warning")], ["--fail-on", "WARNING"], 1),
        ([("unknown", "warning")], ["--fail-on", "warning"], 1),
        ([("unknown", "warning")], ["--fail-on", "warning", "--allow-unknown"], 0),
        ([("unknown", "error"), ("fail", "error")], ["--allow-unknown"], 1),
        ([("pass", "error"), ("fail", "warning"), ("unknown", "warning")], [], 0),
    ],
)
def test_exit_codes(fake, findings, args, code):
    fake.rules([rule(f"TST{i:03d}", status, severity) for i, (status, severity) in enumerate(findings, 1)])
    r = invoke("check", "plan.json", *args, "--format", "json")
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert json.loads(r.stdout)["summary"]["exit_code"] == code


def test_config_waiver_turns_a_fail_into_waived(fake):
    Path(".ctj-policy.toml").write_text('[[waivers]]\nrule = "TST002"\nreason = "migration in progress"\n')
    fake.rules([rule("TST001", "pass"), rule("TST002", "fail")])
    r = invoke("check", "plan.json", "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["summary"] == {"pass": 1, "fail": 0, "unknown": 0, "waived": 1, "exit_code": 0}


@pytest.mark.parametrize("rule_id", ["tst002", "Tst002", " TST002 ", "tst00*"])
def test_config_waiver_rule_ids_are_case_insensitive(fake, rule_id):
    Path(".ctj-policy.toml").write_text(f'[[waivers]]\nrule = "{rule_id}"\nreason = "migration in progress"\n')
    fake.rules([rule("TST001", "pass"), rule("TST002", "fail")])
    r = invoke("check", "plan.json", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["summary"]["waived"] == 1


@pytest.mark.parametrize(
    "rule_id, needle", [("TST999", "'TST999'"), ("tst999", "'TST999'"), ("XYZ*", "'XYZ*'"), ("TST01", "did you mean")]
)
def test_config_waiver_for_a_rule_that_does_not_exist_is_exit_2(fake, rule_id, needle):
    Path(".ctj-policy.toml").write_text(f'[[waivers]]\nrule = "{rule_id}"\nreason = "x"\n')
    fake.rules([rule("TST001", "pass"), rule("TST002", "fail")])
    r = invoke("check", "plan.json")
    assert_usage_error(r, ".ctj-policy.toml: a waiver names rule", needle, "which does not exist")
    assert fake.calls == []  # refused before the input is read


def test_inline_waiver_for_a_rule_that_does_not_exist_is_exit_2(fake, monkeypatch):
    from ctj_policy.config import WaiverSpec

    real = fake._loaded

    def loaded(kind, path, scope):
        out = real(kind, path, scope)
        out.deployment.waivers.append(WaiverSpec(rule="TST999", address="x", reason="r", origin="tf/main.tf:3"))
        return out

    monkeypatch.setattr(fake, "_loaded", loaded)
    os.mkdir("tf")
    r = invoke("check", "tf")
    assert_usage_error(r, "tf/main.tf:3: a waiver names rule 'TST999', which does not exist")


def test_rule_selection(fake):
    fake.rules([rule("TST001", "pass"), rule("TST002", "fail")])
    r = invoke("check", "plan.json", "--rule", "tst001", "--format", "json")
    assert r.exit_code == 0
    assert [x["rule_id"] for x in json.loads(r.stdout)["results"]] == ["TST001"]


def test_unknown_rule_selection_is_exit_2(fake):
    fake.rules([rule("TST001", "pass"), rule("TST002", "fail")])
    r = invoke("check", "plan.json", "--rule", "TST01")
    assert_usage_error(r, "unknown rule 'TST01'", "TST001")
    assert fake.calls == []


# --------------------------------------------------------------------------
# input modes
# --------------------------------------------------------------------------


def test_stdin_goes_to_the_plan_loader(fake):
    r = invoke("check", "-", input="{}")
    assert r.exit_code == 0
    assert fake.calls == [("load_plan", "-", None)]
    assert "plan <stdin>" in r.stdout


def test_directory_is_hcl_mode_with_vars(fake, tmp_path):
    os.mkdir("tf")
    Path("stage.tfvars").write_text('env = "stage"\n')
    r = invoke("check", "tf", "--var", "env=stage", "--var", "image=a=b", "--var-file", "stage.tfvars", "--scope", "root")
    assert r.exit_code == 0, r.stderr
    assert fake.calls == [("load_hcl", "tf", "root", {"env": "stage", "image": "a=b"}, ("stage.tfvars",))]


def test_directory_without_sources_points_at_terraform_below(fake):
    os.makedirs("repo/terraform")
    os.makedirs("repo/docs")
    Path("repo/terraform/main.tf").write_text("")
    Path("repo/README.md").write_text("")
    r = invoke("check", "repo")
    assert_usage_error(
        r, "repo: no .tf files in this directory, but repo/terraform has them", "give that directory as PATH"
    )
    assert fake.calls == []


def test_directory_without_sources_points_at_a_nested_terraform_root(fake):
    os.makedirs("repo/terraform/envs/stage")  # the root is deeper: name terraform/ anyway
    r = invoke("check", "repo")
    assert_usage_error(r, "repo: no .tf files in this directory; is the Terraform root below repo/terraform?")
    assert fake.calls == []


def test_directory_with_sources_goes_to_hcl_mode(fake):
    os.makedirs("tf/terraform")
    Path("tf/main.tf").write_text("")
    Path("tf/terraform/x.tf").write_text("")
    assert invoke("check", "tf").exit_code == 0
    assert fake.calls[0][:2] == ("load_hcl", "tf")


def test_source_dir_applies_sources(fake):
    os.mkdir("terraform")
    r = invoke("check", "plan.json", "--source-dir", "terraform", "--var", "x=1")
    assert r.exit_code == 0, r.stderr
    assert fake.calls == [("load_plan", "plan.json", None), ("apply_sources", "terraform", {"x": "1"}, ())]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--var", "x=1"], "--var/--var-file apply to .tf sources"),
        (["--source-dir", "missing"], "'missing' does not exist"),
        (["--var-file", "missing.tfvars"], "does not exist"),
        (["--fail-on", "info"], "'info' is not one of"),
        (["--bogus"], "No such option"),
        (["--config", "nope.toml"], "config file not found: nope.toml"),
    ],
)
def test_bad_options_exit_2_one_line(fake, args, needle):
    r = invoke("check", "plan.json", *args)
    assert_usage_error(r, needle)


def test_bad_var_does_not_echo_its_value(fake):
    os.mkdir("tf")
    r = invoke("check", "tf", "--var", SECRET)
    line = assert_usage_error(r, "--var #1: expected NAME=VALUE")
    assert SECRET not in line


def test_source_dir_with_directory_input_is_exit_2(fake):
    os.mkdir("tf")
    r = invoke("check", "tf", "--source-dir", "tf")
    assert_usage_error(r, "--source-dir is for plan input")


def test_missing_path_is_exit_2():
    r = invoke("check")
    assert_usage_error(r, "Missing argument 'PATH...'")


def test_no_command_prints_help_and_exits_2():
    r = invoke()
    assert r.exit_code == 2
    assert "Commands:" in r.stdout
    assert_usage_error(r, "missing command")


def test_input_error_is_one_line(fake):
    fake.load_error = InputError("plan.json: this is a binary plan file; convert it first")
    r = invoke("check", "plan.json")
    assert_usage_error(r, "binary plan file")


def test_bad_config_is_one_line(fake):
    Path(".ctj-policy.toml").write_text("postgres-major = 'eighteen'\n")
    r = invoke("check", "plan.json")
    assert_usage_error(r, "postgres-major must be an integer")


def test_invalid_toml_is_one_line(fake):
    Path("custom.toml").write_text("this is = = not toml\n[")
    r = invoke("check", "plan.json", "--config", "custom.toml")
    assert_usage_error(r, "invalid TOML in custom.toml")


def test_internal_error_is_one_line_without_the_message(fake):
    def check(deployment, config):
        raise KeyError(SECRET)

    fake.rules([Rule(id="TST001", title="t", severity="error", rationale="r", remediation="x", check=check)])
    r = invoke("check", "plan.json")
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ctj-policy: internal error: KeyError at ctj_policy/")
    assert SECRET not in r.stderr and SECRET not in r.stdout


def test_missing_loader_module_is_exit_2(fake, monkeypatch):
    monkeypatch.setitem(sys.modules, "ctj_policy.loaders.hcl", None)  # import fails with ModuleNotFoundError
    os.mkdir("tf")
    r = invoke("check", "tf")
    assert_usage_error(r, "HCL mode (a directory PATH) is not available")


# --------------------------------------------------------------------------
# colour
# --------------------------------------------------------------------------


@pytest.fixture
def failing(fake):
    fake.rules([rule("TST001", "fail")])
    return fake


def test_no_colour_when_not_a_tty(failing):
    r = invoke("check", "plan.json")
    assert r.exit_code == 1 and "\x1b[" not in r.stdout


def test_colour_on_a_tty(failing, monkeypatch):
    monkeypatch.setattr(cli_mod, "_stdout_is_tty", lambda: True)
    r = invoke("check", "plan.json", "--format", "text", "--format", "json", "--output", "r.json")
    assert "\x1b[31m" in r.stdout
    assert "\x1b[" not in Path("r.json").read_text()


def test_no_colour_on_a_tty_with_no_color_env(failing, monkeypatch):
    monkeypatch.setattr(cli_mod, "_stdout_is_tty", lambda: True)
    r = invoke("check", "plan.json", env={"NO_COLOR": "1"})
    assert r.exit_code == 1 and "\x1b[" not in r.stdout


def test_no_colour_on_a_tty_with_no_color_flag(failing, monkeypatch):
    monkeypatch.setattr(cli_mod, "_stdout_is_tty", lambda: True)
    r = invoke("check", "plan.json", "--no-color")
    assert r.exit_code == 1 and "\x1b[" not in r.stdout


def test_colour_never_goes_to_a_file(failing, monkeypatch):
    monkeypatch.setattr(cli_mod, "_stdout_is_tty", lambda: True)
    r = invoke("check", "plan.json", "--output", "r.txt")
    assert r.stdout == ""
    assert "\x1b[" not in Path("r.txt").read_text()


def test_force_color_without_a_tty(failing):
    r = invoke("check", "plan.json", env={"FORCE_COLOR": "1"})
    assert "\x1b[31m" in r.stdout
    r = invoke("check", "plan.json", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in r.stdout


# --------------------------------------------------------------------------
# secrets
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_secret_never_printed(fake, fmt):
    fake.redact = {SECRET}
    fake.rules(
        [
            rule("TST001", "fail", message=f"SECRET_KEY is {SECRET} in plain environment", address=f'aws_x.y["{SECRET}"]'),
            rule("TST002", "unknown", message=f"value {SECRET} not known"),
            rule("TST003", "pass", message=f"ok {SECRET}"),
        ]
    )
    r = invoke("check", "plan.json", "--format", fmt, "--format", fmt, "--output", f"out.{fmt}")
    assert r.exit_code == 1, r.stderr
    assert SECRET not in r.stdout and SECRET not in r.stderr
    assert SECRET not in Path(f"out.{fmt}").read_text()
    assert "(redacted)" in r.stdout or fmt == "github"


def test_json_report_byte_identical_and_valid(fake):
    fake.rules([rule("TST002", "fail"), rule("TST001", "unknown", address=None), rule("TST003", "pass", severity="warning")])
    a = invoke("check", "plan.json", "--format", "json")
    b = invoke("check", "plan.json", "--format", "json")
    assert a.stdout_bytes == b.stdout_bytes
    doc = json.loads(a.stdout)
    jsonschema.validate(doc, report_schema())
    assert [x["rule_id"] for x in doc["results"]] == ["TST001", "TST002", "TST003"]


# --------------------------------------------------------------------------
# explain, rules, version
# --------------------------------------------------------------------------


def test_explain_real_rule():
    r = invoke("explain", "ctj025")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert out.startswith("CTJ025: ")
    assert "severity: error" in out and "Why:" in out and "How to fix:" in out
    assert "docs/rules.md#ctj025" in out


def test_explain_unknown_rule_lists_close_matches():
    r = invoke("explain", "CTJ05")
    assert_usage_error(r, "unknown rule 'CTJ05'", "did you mean", "CTJ025")


def test_explain_unknown_rule_without_matches():
    line = assert_usage_error(invoke("explain", "XYZ"), "unknown rule 'XYZ'")
    assert "did you mean" not in line


def test_rules_table_lists_every_rule():
    from ctj_policy.rules import ALL_RULES

    r = invoke("rules")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "TITLE"]
    assert [line.split()[0] for line in lines[1:]] == sorted(x.id for x in ALL_RULES)
    assert any(line.split()[1] == "warning" for line in lines[1:])


def test_rules_json():
    r = invoke("rules", "--format", "json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    ids = [x["id"] for x in doc["rules"]]
    assert ids == sorted(ids) and "CTJ001" in ids
    assert set(doc["rules"][0]) == {"id", "title", "severity", "rationale", "remediation", "link"}


@pytest.mark.parametrize("args", [["version"], ["--version"]])
def test_version(args):
    r = invoke(*args)
    assert r.exit_code == 0
    assert r.stdout == f"ctj-policy {__version__}\n"


def test_help_exits_0():
    r = invoke("check", "--help")
    assert r.exit_code == 0 and "--format" in r.stdout and "--source-dir" in r.stdout


# --------------------------------------------------------------------------
# the Checkov subcommand hook
# --------------------------------------------------------------------------


def _plugin(monkeypatch, register):
    mod = types.ModuleType("ctj_policy.checkov.command")
    mod.__spec__ = importlib.machinery.ModuleSpec("ctj_policy.checkov.command", None)
    if register is not None:
        mod.register = register
    monkeypatch.setitem(sys.modules, "ctj_policy.checkov.command", mod)


def test_checkov_module_registers_a_subcommand(monkeypatch):
    def register(group):
        @group.command(name="checkov")
        def checkov():
            click.echo("checkov ran")

    _plugin(monkeypatch, register)
    group = cli_mod.CtjGroup(name="ctj-policy")
    cli_mod._register_plugins(group)
    r = runner().invoke(group, ["checkov"])
    assert r.exit_code == 0 and r.stdout == "checkov ran\n"


def test_broken_checkov_module_does_not_break_the_cli(monkeypatch):
    def register(group):
        raise ImportError("checkov not installed")

    _plugin(monkeypatch, register)
    group = cli_mod.CtjGroup(name="ctj-policy")
    group.add_command(cli_mod.version)
    cli_mod._register_plugins(group)
    assert runner().invoke(group, ["version"]).exit_code == 0
    r = runner().invoke(group, ["checkov", "--anything"])
    assert_usage_error(r, "the Checkov integration could not be loaded (ImportError)")


# --------------------------------------------------------------------------
# end to end: python -m ctj_policy on the real fixtures
# --------------------------------------------------------------------------

LEGACY = PLANS / "legacy.json"
WHOLE = PLANS / "whole-account.json"
STAGE1 = TERRAFORM / "stage1"
LEGACY_FAILS = {"CTJ001", "CTJ002", "CTJ004", "CTJ020", "CTJ022", "CTJ023", "CTJ031"}

needs_legacy = pytest.mark.skipif(not LEGACY.is_file(), reason="fixtures/plans/legacy.json not built yet")
needs_whole = pytest.mark.skipif(not WHOLE.is_file(), reason="fixtures/plans/whole-account.json not built yet")


@needs_legacy
def test_e2e_legacy_plan_fails(tmp_path):
    p = run_cli("check", str(LEGACY), "--format", "json", "--output", str(tmp_path / "r.json"), "--format", "text")
    assert p.returncode == 1, p.stderr
    assert p.stderr == b""
    doc = json.loads((tmp_path / "r.json").read_text("utf-8"))
    jsonschema.validate(doc, report_schema())
    failing = {r["rule_id"] for r in doc["results"] if r["status"] == "fail"}
    assert failing >= LEGACY_FAILS, failing
    assert doc["input"]["kind"] == "plan" and doc["input"]["scope"] == "module.civic-tech-jobs"
    assert doc["summary"]["exit_code"] == 1
    text = p.stdout.decode()
    for rule_id in LEGACY_FAILS:
        # on a line of its own, or (a consequence: caused_by) indented under the rule it follows from
        assert any(line.lstrip().startswith(f"{rule_id} error   fail") for line in text.splitlines()), rule_id
    assert "\x1b[" not in text


def _marked_sensitive(value, marks, found: list) -> None:
    """Collect the strings of ``value`` that ``after_sensitive`` marks (walked side by side)."""
    if marks is True:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                _marked_sensitive(v, True, found)
        elif isinstance(value, list):
            for v in value:
                _marked_sensitive(v, True, found)
    elif isinstance(marks, dict) and isinstance(value, dict):
        for key, m in marks.items():
            _marked_sensitive(value.get(key), m, found)
    elif isinstance(marks, list) and isinstance(value, list):
        for v, m in zip(value, marks, strict=False):
            _marked_sensitive(v, m, found)


@needs_legacy
def test_e2e_legacy_secret_not_printed():
    """No value the plan marks sensitive, and no secret-named env value, appears in any format.

    The walk is checked first: it must reach the legacy shape's secrets (the
    cookie_key random_password's result, and the SECRET_KEY env value that
    carries it in plaintext), and the report must really talk about that env
    entry, so redaction is what keeps the value out.
    """
    doc = json.loads(LEGACY.read_text("utf-8"))
    marked: dict[str, list[str]] = {}
    for rc in doc["resource_changes"]:
        change = rc.get("change") or {}
        found: list[str] = []
        _marked_sensitive(change.get("after"), change.get("after_sensitive"), found)
        if found:
            marked[rc["address"]] = found
    cookie = "module.civic-tech-jobs.random_password.cookie_key"
    assert cookie in marked, sorted(marked)
    assert len(marked) >= 3, sorted(marked)  # cookie_key, the database module's password, its secret version
    env_secrets = {}
    for rc in doc["resource_changes"]:
        if rc["type"] == "aws_ecs_task_definition" and rc["address"].startswith("module.civic-tech-jobs."):
            for container in json.loads(rc["change"]["after"]["container_definitions"]):
                for env in container.get("environment") or []:
                    if env["name"] in ("SECRET_KEY", "SQL_PASSWORD", "DJANGO_SECRET_KEY"):
                        env_secrets[env["name"]] = env["value"]
    assert set(env_secrets) == {"SECRET_KEY"}, env_secrets
    plaintext = env_secrets["SECRET_KEY"]
    assert plaintext in marked[cookie] and len(plaintext) >= 16  # SECRET_KEY carries the cookie_key result
    secrets = {v for values in marked.values() for v in values if len(v) >= 8} | set(env_secrets.values())
    assert len(secrets) >= 3

    for fmt in sorted(FORMATS):
        p = run_cli("check", str(LEGACY), "--format", fmt)
        assert p.returncode == 1, (fmt, p.stderr)
        out = p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")
        if fmt in ("text", "json", "github"):
            assert "SECRET_KEY" in out, fmt  # the finding about the secret-bearing env entry is there
        for secret in secrets:
            assert secret not in out, fmt


@pytest.mark.parametrize(
    "name, needle",
    [
        ("main.tf", "main.tf: a Terraform source file, not a plan: to check the sources give their directory as "
                    "PATH (terraform)"),
        ("main.tf.json", "a Terraform source file, not a plan"),
        ("stage.tfvars", "a Terraform variables file, not a plan: give the directory of .tf files as PATH and this "
                         "file with --var-file"),
        ("terragrunt.hcl", "an HCL file, not a plan"),
    ],
)
def test_e2e_terraform_file_as_path_says_what_to_pass(tmp_path, name, needle):
    """SPEC section 9: `ctj-policy check terraform/main.tf` advises the directory, not "invalid JSON"."""
    (tmp_path / "terraform").mkdir()
    body = '{"resource": {"aws_s3_bucket": {"b": {}}}}' if name.endswith(".json") else 'variable "x" {}\n'
    (tmp_path / "terraform" / name).write_text(body)
    p = run_cli("check", f"terraform/{name}", cwd=tmp_path)
    assert p.returncode == 2
    err = p.stderr.decode()
    assert len(err.splitlines()) == 1 and needle in err and "invalid JSON" not in err, err


def test_e2e_repository_root_as_path_points_at_terraform(tmp_path):
    import shutil

    shutil.copytree(STAGE1, tmp_path / "repo" / "terraform")
    p = run_cli("check", "repo", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.decode().strip() == (
        "ctj-policy: error: repo: no .tf files in this directory, but repo/terraform has them: "
        "give that directory as PATH"
    )
    assert run_cli("check", "repo/terraform", cwd=tmp_path).returncode == 0


def test_e2e_waiver_for_unknown_rule_is_exit_2_and_case_is_ignored(tmp_path):
    cfg = tmp_path / ".ctj-policy.toml"
    cfg.write_text('[[waivers]]\nrule = "CTJ999"\nreason = "typo"\n')
    p = run_cli("check", str(WHOLE), "--config", str(cfg))
    assert p.returncode == 2
    assert "a waiver names rule 'CTJ999', which does not exist" in p.stderr.decode()
    cfg.write_text('[[waivers]]\nrule = "ctj001"\nreason = "migration"\n')
    doc = json.loads(run_cli("check", str(LEGACY), "--config", str(cfg), "--format", "json").stdout)
    ctj001 = {r["status"] for r in doc["results"] if r["rule_id"] == "CTJ001"}
    assert ctj001 == {"waived"}, ctj001


@needs_legacy
def test_e2e_json_byte_identical_and_stdin():
    a = run_cli("check", str(LEGACY), "--format", "json")
    b = run_cli("check", str(LEGACY), "--format", "json")
    assert a.stdout == b.stdout and a.returncode == b.returncode == 1
    c = run_cli("check", "-", "--format", "json", input=LEGACY.read_bytes())
    assert c.returncode == 1
    da, dc = json.loads(a.stdout), json.loads(c.stdout)
    assert da["results"] == dc["results"] and dc["input"]["path"] == "<stdin>"


@needs_whole
def test_e2e_whole_account_passes():
    p = run_cli("check", str(WHOLE))
    assert p.returncode == 0, p.stdout.decode() + p.stderr.decode()
    assert p.stdout.decode().splitlines()[-1].endswith("0 failed, 0 unknown, 0 waived")


@pytest.mark.skipif(not STAGE1.is_dir(), reason="fixtures/terraform/stage1 not there")
def test_e2e_hcl_stage1_passes():
    p = run_cli("check", str(STAGE1), "--format", "json")
    assert p.returncode == 0, p.stdout.decode() + p.stderr.decode()
    doc = json.loads(p.stdout)
    jsonschema.validate(doc, report_schema())
    assert doc["input"]["kind"] == "hcl" and doc["summary"]["fail"] == 0


def test_e2e_bad_input_is_one_line(tmp_path):
    (tmp_path / "bin.tfplan").write_bytes(b"PK\x03\x04binary")
    (tmp_path / "state.json").write_text('{"version": 4, "terraform_version": "1.12.2", "serial": 1, "lineage": "x", "outputs": {}, "resources": []}')
    (tmp_path / "trunc.json").write_text('{"format_version": "1.2", "resource_changes": [')
    for name in ("bin.tfplan", "state.json", "trunc.json", "missing.json"):
        p = run_cli("check", str(tmp_path / name))
        err = p.stderr.decode()
        assert p.returncode == 2, (name, err)
        assert len(err.splitlines()) == 1 and err.startswith("ctj-policy: error: "), (name, err)
        assert p.stdout == b""


def test_e2e_usage_error_and_version():
    p = run_cli("check", str(ROOT / "pyproject.toml"), "--format", "yaml")
    assert p.returncode == 2 and p.stderr.decode().count("\n") == 1
    p = run_cli("--version")
    assert p.returncode == 0 and p.stdout.decode().strip() == f"ctj-policy {__version__}"


CUTOVER = PLANS / "cutover.json"
needs_cutover = pytest.mark.skipif(not CUTOVER.is_file() or not STAGE1.is_dir(), reason="cutover fixture not built yet")


@needs_cutover
def test_e2e_cutover_unknowns_allow_unknown_and_source_dir():
    # container_definitions is wholly unknown on the cutover plan: unknown fails by default ...
    p = run_cli("check", str(CUTOVER), "--format", "json")
    doc = json.loads(p.stdout)
    assert p.returncode == 1 and doc["summary"]["unknown"] > 0 and doc["summary"]["fail"] == 0, doc["summary"]
    # ... passes with --allow-unknown ...
    assert run_cli("check", str(CUTOVER), "--allow-unknown").returncode == 0
    # ... and is decided from the sources with --source-dir
    p = run_cli("check", str(CUTOVER), "--source-dir", str(STAGE1), "--format", "json")
    doc = json.loads(p.stdout)
    jsonschema.validate(doc, report_schema())
    assert p.returncode == 0, doc["summary"]
    assert doc["summary"]["unknown"] == 0 and doc["summary"]["fail"] == 0
    assert any(r["location"] for r in doc["results"])


@needs_legacy
@pytest.mark.skipif(not (TERRAFORM / "legacy").is_dir(), reason="legacy .tf tree not there")
def test_e2e_legacy_with_sources_has_locations(tmp_path):
    out = tmp_path / "r.sarif"
    p = run_cli("check", str(LEGACY), "--source-dir", str(TERRAFORM / "legacy"), "--format", "json", "--format", "sarif", "--output", str(out))
    assert p.returncode == 1, p.stderr
    doc = json.loads(p.stdout)
    jsonschema.validate(doc, report_schema())
    located = [r for r in doc["results"] if r["status"] == "fail" and r["location"]]
    assert located and all(r["location"]["file"].endswith(".tf") for r in located)
    assert json.loads(out.read_text("utf-8"))["version"] == "2.1.0"


def test_several_plan_paths_worst_exit_code():
    """The ctj-policy-plan pre-commit hook passes every matching file at once."""
    from conftest import PLANS as plans
    from conftest import run_cli as run

    ok = str(plans / "whole-account.json")
    bad = str(plans / "legacy.json")
    assert run("check", ok, ok).returncode == 0
    proc = run("check", ok, bad)
    assert proc.returncode == 1
    out = proc.stdout.decode()
    assert out.count("ctj-policy 0.1.0: plan") == 2
    assert "legacy.json" in out and "whole-account.json" in out


@pytest.mark.parametrize("extra", [["--format", "json"], ["--format", "text", "--output", "x.txt"]])
def test_several_paths_need_a_streamable_format(extra):
    from conftest import PLANS as plans
    from conftest import run_cli as run

    proc = run("check", str(plans / "whole-account.json"), str(plans / "legacy.json"), *extra)
    assert proc.returncode == 2
    assert b"several PATHs" in proc.stderr
