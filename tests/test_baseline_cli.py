"""`ctj-policy baseline` and `check --baseline` through the real command line (SPEC section 10, issue 11).

The Done-when of issue 11 runs on the real incubator tree (``../shared/incubator/terraform``, skipped with
the reason when absent) and on the in-repo miniature (``fixtures/terraform/incubator``): a baseline, then
moved lines and reformatting, a fixed finding and a new violation.
"""

from __future__ import annotations

import collections
import json
import re
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from conftest import PLANS, TERRAFORM, run_cli

DEFAULT = ".ctj-policy-baseline.json"
# failing results on the miniature incubator, by rule: CTJ001 and the 8 results that follow from it (CTJ004,
# CTJ011, CTJ021-CTJ025, CTJ027: the frontend and database containers are missing; the one container is the
# backend), the backend's own findings (CTJ004 its image, CTJ022 SQL_HOST on RDS, CTJ023 SQL_PASSWORD from the
# database module's SSM parameter, CTJ031 x2, CTJ032 x2), the
# legacy (CTJ002 x4), the missing repositories (CTJ004 x2) and routes (CTJ010 x3), the provider's default
# deployment (CTJ026 x2), the database module (CTJ020 x8: the call, the RDS data source, the postgresql_*
# resources; its SSM parameter modules are not databases)
BY_RULE = {"CTJ001": 1, "CTJ002": 4, "CTJ004": 4, "CTJ010": 3, "CTJ011": 1, "CTJ020": 8, "CTJ021": 1, "CTJ022": 2,
           "CTJ023": 2, "CTJ024": 1, "CTJ025": 1, "CTJ026": 2, "CTJ027": 1, "CTJ031": 2, "CTJ032": 2}
FAILING = sum(BY_RULE.values())  # 35
CTJ = Path("terraform/projects/civic-tech-jobs")
TASK = "module.civic-tech-jobs.module.civic_tech_jobs_fullstack_stage_service.aws_ecs_task_definition.task"
SECRET = "tok-hunter2-zq81-secret"
REGRESSION = '''
resource "aws_db_instance" "regression" {
  engine         = "postgres"
  instance_class = "db.t4g.micro"
}
'''


def ok(proc, code=0) -> str:
    text = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == code, text
    assert "Traceback" not in text
    return text


def check_json(cwd: Path, *args: str, code: int | None = None) -> dict:
    proc = run_cli("check", "terraform", "--format", "json", *args, cwd=cwd)
    assert proc.returncode in ((0, 1) if code is None else (code,)), proc.stderr.decode()
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, json.loads(resources.files("ctj_policy").joinpath("schemas/report.schema.json").read_text()))
    return doc


def marked(doc: dict, mark: str) -> list[tuple]:
    return sorted((r["rule_id"], r["address"] or "", r["message"]) for r in doc["results"] if r.get("baseline") == mark)


def problems(doc: dict) -> collections.Counter:
    return collections.Counter((r["rule_id"], r["address"] or "", r["message"]) for r in doc["results"]
                               if r["status"] in ("fail", "unknown"))


@pytest.fixture
def legacy_tree(tmp_path) -> Path:
    """A work dir holding the in-repo miniature incubator as ``terraform/`` (symlinks copied as files)."""
    shutil.copytree(TERRAFORM / "incubator", tmp_path / "terraform")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


# --------------------------------------------------------------------------- `ctj-policy baseline`


def test_baseline_writes_the_default_file_says_one_line_and_exits_0(legacy_tree):
    proc = run_cli("baseline", "terraform", cwd=legacy_tree)
    ok(proc)
    assert proc.stdout == b""
    [line] = proc.stderr.decode().splitlines()
    doc = json.loads((legacy_tree / DEFAULT).read_text())
    assert f"baseline of {len(doc['entries'])} entries written to {DEFAULT}" in line
    assert len(doc["entries"]) == FAILING and f"{FAILING} failing" in line
    assert collections.Counter(e["rule"] for e in doc["entries"]) == BY_RULE
    # reviewable: one entry per line, sorted, no line numbers or file paths
    text = (legacy_tree / DEFAULT).read_text()
    assert not re.search(r"\.tf\b|\"line\"|\bterraform/", text)
    assert [json.dumps(e, sort_keys=True) for e in doc["entries"]] == [
        ln.strip().rstrip(",") for ln in text.splitlines() if ln.strip().startswith('{"')]


def test_baseline_to_stdout_and_deterministic(legacy_tree):
    first = run_cli("baseline", "terraform", "--output", "-", cwd=legacy_tree)
    again = run_cli("baseline", "terraform", "-o", "-", cwd=legacy_tree)
    ok(first)
    assert first.stdout == again.stdout and json.loads(first.stdout)["tool"] == "ctj-policy"
    assert not (legacy_tree / DEFAULT).exists()


def test_baseline_takes_checks_input_options(tmp_path):
    """Plan input with --source-dir, --rule, --scope: the same plumbing as `check`."""
    out = tmp_path / "b.json"
    ok(run_cli("baseline", str(PLANS / "legacy.json"), "--source-dir", str(TERRAFORM / "legacy"), "--rule", "ctj031",
               "--output", str(out)))
    entries = json.loads(out.read_text())["entries"]
    assert entries and {e["rule"] for e in entries} == {"CTJ031"}
    proc = run_cli("check", str(PLANS / "legacy.json"), "--source-dir", str(TERRAFORM / "legacy"), "--rule", "CTJ031",
                   "--baseline", str(out))
    assert "0 new" in ok(proc, 0)


@pytest.mark.parametrize("args, says", [
    pytest.param(["nope.json"], "nope.json", id="missing input"),
    pytest.param(["terraform", "--source-dir", "terraform"], "--source-dir", id="source-dir with a directory"),
    pytest.param(["terraform", "--rule", "CTJ999"], "unknown rule", id="unknown rule"),
    pytest.param(["terraform", "extra"], "unexpected extra argument", id="two targets"),
])
def test_baseline_usage_and_input_errors_exit_2(legacy_tree, args, says):
    proc = run_cli("baseline", *args, cwd=legacy_tree)
    text = ok(proc, 2)
    assert says in text and len(proc.stderr.decode().strip().splitlines()) == 1
    assert not (legacy_tree / DEFAULT).exists()


def test_secrets_never_reach_the_baseline_file(legacy_tree, tmp_path):
    # a plaintext secret in the HCL sources, and secrets planted in a plan (plaintext and marked sensitive)
    edit(legacy_tree / CTJ / "environment-stage.tf", '{ "name" : "DEBUG", "value" : "False" },',
         f'{{ "name" : "DEBUG", "value" : "False" }},\n    {{ "name" : "API_TOKEN", "value" : "{SECRET}" }},')
    ok(run_cli("baseline", "terraform", cwd=legacy_tree))
    text = (legacy_tree / DEFAULT).read_text()
    assert "env:civic-tech-jobs-fs-stage/API_TOKEN" in text  # the finding is recorded, by name
    assert SECRET not in text and "hunter2" not in text

    from test_secrets_e2e import _plant

    plan = _plant(tmp_path, "Pa55-word-4-baseline", "sens-itive-4-baseline")
    out = tmp_path / "plan-baseline.json"
    ok(run_cli("baseline", str(plan), "--output", str(out)))
    text = out.read_text()
    assert json.loads(text)["entries"]
    assert "Pa55-word-4-baseline" not in text and "sens-itive-4-baseline" not in text


# --------------------------------------------------------------------------- `check --baseline`


def test_without_a_baseline_nothing_changes(legacy_tree):
    doc = check_json(legacy_tree, code=1)
    assert "baseline" not in doc["summary"] and all("baseline" not in r for r in doc["results"])
    text = run_cli("check", "terraform", cwd=legacy_tree).stdout.decode()
    assert not re.search(r"^(new|known|fixed) |known \(baseline\)", text, re.M) and "baseline" not in text


def test_check_with_its_baseline_passes_and_marks_every_result(legacy_tree):
    ok(run_cli("baseline", "terraform", cwd=legacy_tree))
    doc = check_json(legacy_tree, "--baseline", DEFAULT, code=0)
    s = doc["summary"]
    assert (s["new"], s["unchanged"], s["fixed"], s["baseline"]) == (0, FAILING, [], DEFAULT) and s["fail"] == FAILING
    for r in doc["results"]:
        assert r.get("baseline") == ("unchanged" if r["status"] in ("fail", "unknown") else None), r
    proc = run_cli("check", "terraform", "--baseline", DEFAULT, cwd=legacy_tree)
    assert f"0 new, {FAILING} known (baseline), 0 fixed" in ok(proc, 0)


@pytest.mark.parametrize("content, says", [
    pytest.param(None, "baseline file not found", id="missing"),
    pytest.param("{", "invalid JSON", id="corrupt"),
    pytest.param('{"results": []}', "not a ctj-policy baseline", id="a report, not a baseline"),
    pytest.param('{"schema_version": 2, "tool": "ctj-policy", "entries": []}', "schema_version 2", id="future"),
    pytest.param(b"\xff\xfe\x00garbage", "not UTF-8", id="binary"),
])
def test_an_unusable_baseline_is_one_line_and_exit_2(legacy_tree, content, says):
    path = legacy_tree / "b.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    proc = run_cli("check", "terraform", "--baseline", "b.json", "--format", "json", cwd=legacy_tree)
    ok(proc, 2)
    [line] = proc.stderr.decode().splitlines()
    assert line.startswith("ctj-policy: error: b.json") and says in line
    assert proc.stdout == b""


def test_a_baseline_never_hides_a_usage_or_input_error(legacy_tree):
    ok(run_cli("baseline", "terraform", cwd=legacy_tree))
    ok(run_cli("check", "terraform", "--baseline", DEFAULT, "--format", "nope", cwd=legacy_tree), 2)
    ok(run_cli("check", "missing-dir", "--baseline", DEFAULT, cwd=legacy_tree), 2)
    (legacy_tree / CTJ / "broken.tf").write_text('resource "aws_s3_bucket" "x" {\n')
    ok(run_cli("check", "terraform", "--baseline", DEFAULT, cwd=legacy_tree), 2)


def test_several_paths_and_one_baseline_is_a_usage_error(legacy_tree):
    ok(run_cli("baseline", "terraform", cwd=legacy_tree))
    proc = run_cli("check", "terraform", "terraform", "--baseline", DEFAULT, cwd=legacy_tree)
    assert "give one PATH" in ok(proc, 2)


def test_a_new_failure_on_an_address_that_already_has_one_is_new(legacy_tree):
    ok(run_cli("baseline", "terraform", cwd=legacy_tree))
    before = check_json(legacy_tree, "--baseline", DEFAULT, code=0)
    assert any(r["rule_id"] == "CTJ031" and r["address"] == TASK for r in before["results"] if r["status"] == "fail")
    edit(legacy_tree / CTJ / "environment-stage.tf", '{ "name" : "DEBUG", "value" : "False" },',
         f'{{ "name" : "DEBUG", "value" : "False" }},\n    {{ "name" : "API_TOKEN", "value" : "{SECRET}" }},')
    doc = check_json(legacy_tree, "--baseline", DEFAULT, code=1)
    [new] = [r for r in doc["results"] if r.get("baseline") == "new"]
    assert (new["rule_id"], new["address"]) == ("CTJ031", TASK) and "API_TOKEN" in new["message"]
    assert doc["summary"]["fixed"] == []


def test_a_second_finding_of_one_rule_on_one_block_is_the_new_one(legacy_tree):
    """Two results with the same rule, address and subject: the one the baseline had stays unchanged."""
    service = legacy_tree / "terraform/modules/container/main.tf"
    edit(service, "desired_count   = 1", "desired_count   = 1\n  deployment_maximum_percent = 100")
    ok(run_cli("baseline", "terraform", cwd=legacy_tree))
    recorded = json.loads((legacy_tree / DEFAULT).read_text())["entries"]
    edit(service, "deployment_maximum_percent = 100", "deployment_maximum_percent = 150")
    doc = check_json(legacy_tree, "--baseline", DEFAULT, code=1)
    new = [r for r in doc["results"] if r.get("baseline") == "new"]
    assert [r["rule_id"] for r in new] == ["CTJ026"] and "maximum_percent" in new[0]["message"], new
    same = [e for e in recorded if e["rule"] == "CTJ026"]
    assert len(same) == 1  # before: one CTJ026 finding on the service (min healthy)


def test_a_baseline_never_hides_an_expired_waiver(legacy_tree):
    config = legacy_tree / ".ctj-policy.toml"
    waiver = ('[[waivers]]\nrule = "CTJ026"\naddress = "module.civic-tech-jobs.module.civic_tech_jobs_fullstack_stage_service.*"\n'
              'reason = "until the cutover"\nexpires = {date}\n')
    config.write_text(waiver.format(date="2999-01-31"))
    ok(run_cli("baseline", "terraform", cwd=legacy_tree))
    assert '"CTJ026"' not in (legacy_tree / DEFAULT).read_text()  # waived: not recorded
    check_json(legacy_tree, "--baseline", DEFAULT, code=0)

    config.write_text(waiver.format(date="2001-01-31"))
    doc = check_json(legacy_tree, "--baseline", DEFAULT, code=1)
    new = [r for r in doc["results"] if r.get("baseline") == "new"]
    assert {r["rule_id"] for r in new} == {"CTJ026"} and any(r["title"] == "expired waiver" for r in new)
    assert all(r["status"] == "fail" for r in new)
    # a baseline made after the waiver expired accepts the finding, never the expired waiver itself
    proc = run_cli("baseline", "terraform", cwd=legacy_tree)
    assert "expired waiver(s) are not recorded" in ok(proc)
    doc = check_json(legacy_tree, "--baseline", DEFAULT, "--fail-on", "warning", code=1)
    [new] = [r for r in doc["results"] if r.get("baseline") == "new"]
    assert new["title"] == "expired waiver"


def test_config_baseline_is_relative_to_the_config_file_and_the_cli_wins(legacy_tree):
    (legacy_tree / "policy").mkdir()
    (legacy_tree / "policy" / ".ctj-policy.toml").write_text('baseline = "accepted.json"\n')
    # `ctj-policy baseline` writes where the config says
    ok(run_cli("baseline", "terraform", "--config", "policy/.ctj-policy.toml", cwd=legacy_tree))
    assert (legacy_tree / "policy" / "accepted.json").is_file() and not (legacy_tree / DEFAULT).exists()
    doc = check_json(legacy_tree, "--config", "policy/.ctj-policy.toml", code=0)
    assert doc["summary"]["baseline"] == "policy/accepted.json" and doc["summary"]["unchanged"] == FAILING
    # found upward from a subdirectory, with a path relative to the config, not to the cwd
    shutil.move(str(legacy_tree / "policy" / ".ctj-policy.toml"), legacy_tree / ".ctj-policy.toml")
    (legacy_tree / ".ctj-policy.toml").write_text('baseline = "policy/accepted.json"\n')
    sub = legacy_tree / CTJ
    proc = run_cli("check", "../..", "--format", "json", cwd=sub)
    assert json.loads(proc.stdout)["summary"]["unchanged"] == FAILING, proc.stderr
    # --baseline wins over the config
    (legacy_tree / "empty.json").write_text('{"schema_version": 1, "tool": "ctj-policy", "entries": []}')
    doc = check_json(legacy_tree, "--baseline", "empty.json", code=1)
    assert doc["summary"]["baseline"] == "empty.json" and doc["summary"]["new"] == FAILING
    # a config naming a baseline that is not there: exit 2
    (legacy_tree / ".ctj-policy.toml").write_text('baseline = "gone.json"\n')
    assert "gone.json" in ok(run_cli("check", "terraform", cwd=legacy_tree), 2)
    (legacy_tree / ".ctj-policy.toml").write_text("baseline = 3\n")
    assert "baseline must be a file name" in ok(run_cli("check", "terraform", cwd=legacy_tree), 2)


# --------------------------------------------------------------------------- every format


def test_every_format_says_new_known_and_fixed(legacy_tree):
    ok(run_cli("baseline", "terraform", cwd=legacy_tree))
    stage = legacy_tree / CTJ / "environment-stage.tf"
    text = stage.read_text()
    stage.write_text("\n".join(ln for ln in text.splitlines() if '"SQL_USER"' not in ln) + REGRESSION)

    def fmt(name: str) -> str:
        proc = run_cli("check", "terraform", "--baseline", DEFAULT, "--format", name, cwd=legacy_tree)
        assert proc.returncode == 1, proc.stderr
        return proc.stdout.decode()

    known = FAILING - 1  # SQL_USER's CTJ031 finding is fixed; the regression is new
    text = fmt("text")
    assert f"1 new, {known} known (baseline), 1 fixed" in text
    assert re.search(r"^new +CTJ020 .*aws_db_instance\.regression", text, re.M)
    report = json.loads(fmt("json"))
    folded = [r for r in report["results"] if r.get("baseline") == "unchanged" and r.get("caused_by")]
    # a consequence is listed once, under its cause (caused_by), not on a "known" line of its own
    assert len(re.findall(r"^known ", text, re.M)) == known - len(folded)
    assert re.search(r"^fixed CTJ031 .*env:civic-tech-jobs-fs-stage/SQL_USER", text, re.M)

    md = fmt("markdown")
    assert f"1 new, {known} known (baseline), 1 fixed" in md
    assert f"<summary>Known, recorded in the baseline ({known})</summary>" in md
    assert "<summary>Fixed since the baseline (1)</summary>" in md and "SQL_USER" in md
    table = md.split("### New: failing and undecided", 1)[1].split("<details>", 1)[0]
    assert table.count("| \u274c") == 1 and "regression" in table and "(new)" in table

    github = fmt("github")
    annotations = [ln for ln in github.splitlines() if ln.startswith("::")]
    assert len(annotations) == 1 and "aws_db_instance.regression" in annotations[0]  # only the new result
    assert f"1 new, {known} known (baseline), 1 fixed" in github

    sarif = json.loads(fmt("sarif"))
    results = sarif["runs"][0]["results"]
    states = collections.Counter(r.get("baselineState") for r in results)
    assert states == {"unchanged": known, "new": 1, "absent": 1}
    [absent] = [r for r in results if r.get("baselineState") == "absent"]
    assert absent["ruleId"] == "CTJ031" and absent["kind"] == "pass" and absent["level"] == "none"
    assert "SQL_USER" in absent["message"]["text"] and absent["locations"]
    assert sarif["runs"][0]["properties"]["baseline"] == {"file": DEFAULT, "new": 1, "unchanged": known, "fixed": 1}

    import xml.etree.ElementTree as ET

    root = ET.fromstring(fmt("junit"))
    assert root.get("failures") == "1"  # the known ones are skipped, "known (baseline)"
    assert len([s for s in root.iter("skipped") if s.get("message", "").startswith("known (baseline")]) == known

    doc = json.loads(fmt("json"))
    assert doc["summary"]["fixed"] == [{"rule_id": "CTJ031", "address": TASK,
                                        "subject": "env:civic-tech-jobs-fs-stage/SQL_USER"}]


def test_sarif_with_a_baseline_passes_the_validator(legacy_tree):
    from test_reporters_ci import validate_sarif

    ok(run_cli("baseline", "terraform", cwd=legacy_tree))
    stage = legacy_tree / CTJ / "environment-stage.tf"
    stage.write_text("\n".join(ln for ln in stage.read_text().splitlines() if '"SQL_USER"' not in ln) + REGRESSION)
    out = legacy_tree / "report.sarif"
    ok(run_cli("check", "terraform", "--baseline", DEFAULT, "--format", "sarif", "--output", str(out),
               cwd=legacy_tree), 1)
    assert validate_sarif([out], legacy_tree) == {"report.sarif": []}


# --------------------------------------------------------------------------- issue 11's Done-when


def _insert_above_every_finding_and_reformat(work: Path, doc: dict) -> None:
    lines_of: dict[str, set[int]] = collections.defaultdict(set)
    for r in doc["results"]:
        if r["location"] and r["status"] in ("fail", "unknown"):
            lines_of[r["location"]["file"]].add(r["location"]["line"])
    assert lines_of
    for rel, lines in lines_of.items():
        src = (work / rel).read_text().split("\n")
        for n in sorted(lines, reverse=True):
            src[n - 1:n - 1] = ["# a comment and a blank line moved this block down", ""]
        (work / rel).write_text("\n".join(src))
    for tf in (work / "terraform").rglob("*.tf"):  # reformat: 4-space indents, one space around `=`
        text = re.sub(r"(?m)^( +)", lambda m: m.group(1) * 2, tf.read_text())
        tf.write_text(re.sub(r"(?m)^(\s*[\w-]+)\s+=\s+", r"\1 = ", text))


def _done_when(work: Path) -> None:
    made = run_cli("baseline", "terraform", "--output", DEFAULT, cwd=work)
    ok(made)
    first = check_json(work, "--baseline", DEFAULT, code=0)
    assert first["summary"]["fail"] >= 30 and first["summary"]["new"] == 0

    # moved lines and reformatting: nothing new, nothing fixed, every location moved
    _insert_above_every_finding_and_reformat(work, first)
    moved = check_json(work, "--baseline", DEFAULT, code=0)
    assert (moved["summary"]["new"], moved["summary"]["fixed"]) == (0, [])
    assert moved["summary"]["unchanged"] == first["summary"]["unchanged"]
    def where(doc: dict) -> dict:
        return {(r["rule_id"], r["address"], r["message"]): r["location"] for r in doc["results"]
                if r["location"] and r["status"] == "fail"}

    before, after = where(first), where(moved)
    assert before.keys() == after.keys() and all(before[k] != after[k] for k in before)

    # fixing a finding (SQL_USER no longer in the plaintext environment): still 0, and listed as fixed
    stage = work / CTJ / "environment-stage.tf"
    kept = [ln for ln in stage.read_text().splitlines() if '"SQL_USER"' not in ln]
    stage.write_text("\n".join(kept) + "\n")
    fixed = check_json(work, "--baseline", DEFAULT, code=0)
    assert [(f["rule_id"], f["subject"]) for f in fixed["summary"]["fixed"]] == [
        ("CTJ031", "env:civic-tech-jobs-fs-stage/SQL_USER")]
    assert "1 fixed" in run_cli("check", "terraform", "--baseline", DEFAULT, cwd=work).stdout.decode()

    # a new violation: exit 1, and exactly the new results are marked new
    stage.write_text(stage.read_text().replace(
        '"value" : "False" },', f'"value" : "False" }},\n    {{ "name" : "API_TOKEN", "value" : "{SECRET}" }},', 1)
        + REGRESSION)
    regressed = check_json(work, "--baseline", DEFAULT, code=1)
    appeared = problems(regressed) - problems(fixed)
    assert sorted(appeared.elements()) == marked(regressed, "new")
    assert {r for r, _, _ in appeared} == {"CTJ020", "CTJ031"}
    assert any("aws_db_instance.regression" in a for _, a, _ in appeared)
    assert regressed["summary"]["unchanged"] == fixed["summary"]["unchanged"]
    assert SECRET not in (work / DEFAULT).read_text()


def test_done_when_on_the_real_incubator_tree(tmp_path, shared_path):
    tree = shared_path("incubator", "terraform")
    shutil.copytree(tree, tmp_path / "terraform")
    _done_when(tmp_path)


def test_done_when_on_the_in_repo_incubator_fixture(legacy_tree):
    _done_when(legacy_tree)


def test_at_the_cutover_every_entry_is_fixed(tmp_path):
    out = tmp_path / "legacy-baseline.json"
    ok(run_cli("baseline", str(TERRAFORM / "legacy"), "--output", str(out)))
    entries = json.loads(out.read_text())["entries"]
    proc = run_cli("check", str(TERRAFORM / "stage1"), "--baseline", str(out), "--format", "json")
    ok(proc, 0)
    doc = json.loads(proc.stdout)
    assert doc["summary"]["new"] == doc["summary"]["unchanged"] == 0
    assert len(doc["summary"]["fixed"]) == len(entries) > 0
