"""The GitHub Action (``action.yml``): schema-valid, and its steps run here as on a runner.

``tests/actions_runner.py`` plays the runner: it evaluates the action's expressions and conditions,
runs each ``run:`` script with bash in a fake ``GITHUB_*`` environment (``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY``, ``GITHUB_ACTION_PATH`` = a copy of this checkout, ``RUNNER_TEMP``), and
records the ``uses:`` steps (the SARIF upload) with their inputs. The PR comment goes through a fake
``gh`` that keeps the pull request's comments in a JSON file, so "one comment, updated in place" is
checked on the resulting comments, not on the calls.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from actions_runner import evaluate, read_outputs, run_action, substitute
from conftest import PLANS, ROOT, TERRAFORM

VALIDATOR = ROOT / "node_modules" / ".bin" / "action-validator"
KEY = "<!-- ctj-policy-action: ctj-policy -->"


def _cli_has(flag: str) -> bool:
    """Whether this checkout's `ctj-policy check` has FLAG (features that land later)."""
    out = subprocess.run([sys.executable, "-m", "ctj_policy", "check", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    return flag in out.stdout


def _validate(path: Path) -> subprocess.CompletedProcess:
    if not VALIDATOR.exists():
        pytest.skip("@action-validator/cli is not installed (npm ci)")
    return subprocess.run([str(VALIDATOR), str(path)], capture_output=True, text=True, timeout=120)


# --------------------------------------------------------------------------- static checks


def test_action_yml_passes_action_validator():
    out = _validate(ROOT / "action.yml")
    assert out.returncode == 0, out.stdout + out.stderr


def test_action_validator_rejects_a_broken_action(tmp_path):
    """The validator really validates: an action with a misspelt key fails it."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    action["runs"]["steps"][0]["shelll"] = action["runs"]["steps"][0].pop("shell")
    broken = tmp_path / "action.yml"
    broken.write_text(yaml.safe_dump(action))
    out = _validate(broken)
    assert out.returncode != 0 and "shelll" in out.stdout + out.stderr


def test_scripts_read_inputs_only_from_the_environment():
    """No ``${{ }}`` pasted into a script: an input holding shell code cannot run (script injection)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]


def test_every_step_reference_names_a_step_and_an_output_it_writes():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    steps = {s["id"]: s for s in action["runs"]["steps"] if "id" in s}
    text = (ROOT / "action.yml").read_text()
    import re

    for sid, out in set(re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text)):
        assert sid in steps, sid
        run = steps[sid]["run"]
        # written as `name=...`, or as a key of the report-files array the step writes out as `$key=path`
        assert f"{out}=" in run or (f"[{out}]=" in run and '"$key=${files[$key]}"' in run), (sid, out)


def test_expression_evaluator():
    """The stand-in runner's expressions behave like GitHub's on what the action uses."""
    ctx = {"inputs": {"a": "true", "b": ""}, "steps": {"s": {"outputs": {"x": "1"}}}, "github": {"event": {}}}
    assert evaluate("inputs.a == 'true' && steps.s.outputs.x != ''", ctx) is True
    assert evaluate("inputs.a == 'TRUE'", ctx) is True  # case-insensitive like GitHub
    assert evaluate("inputs.b == 'true' || !inputs.b", ctx) is True
    assert evaluate("steps.s.outputs.missing != ''", ctx) is False
    assert evaluate("success()", ctx, "failure") is False and evaluate("always()", ctx, "failure") is True
    assert substitute("${{ github.event.pull_request.number }}", ctx) == ""
    assert substitute("x-${{ steps.s.outputs.x }}", ctx) == "x-1"


def test_output_file_parser(tmp_path):
    f = tmp_path / "out"
    f.write_text("a=1\nb<<EOF\nline1\nline2\nEOF\nc=x=y\n")
    assert read_outputs(f) == {"a": "1", "b": "line1\nline2", "c": "x=y"}


# --------------------------------------------------------------------------- running the steps

FAKE_GH = '''\
"""A fake `gh api` over one pull request's comments, kept in $FAKE_GH_DB (JSON)."""
import json, os, re, sys

db_path = os.environ["FAKE_GH_DB"]
db = json.load(open(db_path))
args = sys.argv[1:]
db.setdefault("calls", []).append(args)
assert args[0] == "api", args
assert os.environ.get("GH_TOKEN"), "gh needs GH_TOKEN"
method, body, paginate, path = "GET", None, False, None
i = 1
while i < len(args):
    a = args[i]
    if a == "--method":
        method = args[i + 1]; i += 2; continue
    if a == "--input":
        body = json.load(open(args[i + 1]))["body"]; i += 2; continue
    if a == "--paginate":
        paginate = True; i += 1; continue
    assert not a.startswith("-"), f"unexpected option {a}"
    path = a; i += 1
if db.get("garbage") and method == "GET":
    sys.stdout.write("<html>rate limited</html>")
    sys.exit(0)
if db.get("fail"):
    print("HTTP 403: Resource not accessible by integration", file=sys.stderr)
    sys.exit(1)
m = re.fullmatch(r"repos/hackforla/incubator/issues/(\\d+)/comments(\\?per_page=100)?", path)
if m and method == "GET":
    comments = db["comments"]
    pages = [comments[k:k + 2] for k in range(0, len(comments), 2)] or [[]]
    # `gh api --paginate` prints the pages' JSON arrays one after the other
    sys.stdout.write("".join(json.dumps(p) for p in (pages if paginate else pages[:1])))
elif m and method == "POST":
    new_id = max([c["id"] for c in db["comments"]] + [1000]) + 1
    db["comments"].append({"id": new_id, "body": body, "user": {"login": "github-actions[bot]", "type": "Bot"}})
    print(json.dumps({"id": new_id}))
else:
    m = re.fullmatch(r"repos/hackforla/incubator/issues/comments/(\\d+)", path)
    assert m, path
    target = next(c for c in db["comments"] if c["id"] == int(m.group(1)))
    if method == "PATCH":
        target["body"] = body
    elif method == "DELETE":
        db["comments"].remove(target)
    else:
        raise AssertionError(method)
json.dump(db, open(db_path, "w"))
'''


@pytest.fixture(scope="module")
def action_dir(tmp_path_factory) -> Path:
    """GITHUB_ACTION_PATH: this checkout as the runner would have it (a copy, so pip builds nothing in it)."""
    dest = tmp_path_factory.mktemp("action") / "ctj-policy"
    ignore = shutil.ignore_patterns(".git", ".venv*", "node_modules", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".hypothesis", "reports")
    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    return dest


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory) -> Path:
    """One RUNNER_TEMP for the module: the action installs ctj-policy once per job, as on GitHub."""
    return tmp_path_factory.mktemp("runner-temp")


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A checked-out incubator: terraform/ (the legacy fixture tree) and two plans."""
    ws = tmp_path / "workspace"
    shutil.copytree(TERRAFORM / "legacy", ws / "terraform")
    shutil.copy(PLANS / "legacy.json", ws / "plan.json")
    shutil.copy(PLANS / "stage1-project.json", ws / "stage1.json")
    return ws


@pytest.fixture
def gh(tmp_path) -> dict:
    """A fake `gh` on PATH and the pull request's comments (a human's and another tool's)."""
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    script = bindir / "gh"
    script.write_text(f"#!{sys.executable}\n" + FAKE_GH)
    script.chmod(0o755)
    db = tmp_path / "pr.json"
    db.write_text(json.dumps({"comments": [
        {"id": 11, "body": "Looks good, one question", "user": {"login": "alice", "type": "User"}},
        {"id": 12, "body": "<!-- ctj-policy-report -->\nquoted by someone", "user": {"login": "bob", "type": "User"}},
        {"id": 13, "body": "Terraform plan: 3 to add", "user": {"login": "github-actions[bot]", "type": "Bot"}},
    ]}))
    return {"env": {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "FAKE_GH_DB": str(db)}, "db": db}


def _pr(number: int = 7) -> dict:
    return {"event_name": "pull_request", "event": {"pull_request": {"number": number}}}


def _run(action_dir, workspace, runner_temp, gh=None, github=None, **inputs):
    return run_action(action_dir, inputs, workspace=workspace, runner_temp=runner_temp,
                      github=github if github is not None else _pr(), env=(gh or {}).get("env"))


def _comments(gh) -> list[dict]:
    return json.loads(gh["db"].read_text())["comments"]


def _mine(gh) -> list[dict]:
    return [c for c in _comments(gh) if c["body"].startswith(KEY)]


def test_legacy_plan_fails_the_step_after_writing_every_report(action_dir, runner_temp, workspace, gh):
    run = _run(action_dir, workspace, runner_temp, gh, plan="plan.json", **{"source-dir": "terraform"},
               formats="github, json junit text", comment="true", **{"upload-sarif": "true"})
    install = run.step("install")
    assert install.returncode == 0, install.stdout + install.stderr
    check = run.step("check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.outputs["exit-code"] == "1"
    # the action's outputs
    assert run.outputs["exit-code"] == "1"
    report_dir = Path(run.outputs["report-dir"])
    assert report_dir == workspace / "ctj-policy-reports"
    for key, name in [("sarif", "ctj-policy.sarif"), ("markdown", "ctj-policy.md"), ("json", "ctj-policy.json"),
                      ("junit", "ctj-policy.junit.xml"), ("text", "ctj-policy.txt")]:
        assert run.outputs[key] == str(report_dir / name)
        assert (report_dir / name).stat().st_size > 0, name
    sarif = json.loads(Path(run.outputs["sarif"]).read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"CTJ001", "CTJ020"}
    report = json.loads(Path(run.outputs["json"]).read_text())
    assert report["summary"]["exit_code"] == 1 and report["summary"]["fail"] > 0
    # --source-dir reached ctj-policy: findings point at .tf files
    assert any(r["location"] and r["location"]["file"].endswith(".tf") for r in report["results"])
    # annotations in the log, the Markdown report in the job summary
    assert "::error " in check.stdout and "CTJ001" in check.stdout
    assert "<!-- ctj-policy-report -->" in check.summary and "CTJ001" in check.summary
    # SARIF uploaded with the report's path and the category
    upload = run.named("Upload SARIF")
    assert upload.ran and upload.uses.startswith("github/codeql-action/upload-sarif@")
    assert upload.with_ == {"sarif_file": run.outputs["sarif"], "category": "ctj-policy", "token": "fake-token"}
    # one comment, the report, after the others
    mine = _mine(gh)
    assert len(mine) == 1 and "CTJ001" in mine[0]["body"] and len(_comments(gh)) == 4
    # and the step fails, last
    gate = run.named("Gate")
    assert gate.ran and gate.returncode == 1 and "policy failed" in gate.stdout
    assert run.failed


def test_comment_is_updated_in_place_never_duplicated(action_dir, runner_temp, workspace, gh):
    first = _run(action_dir, workspace, runner_temp, gh, plan="plan.json", comment="true")
    assert first.outputs["exit-code"] == "1"
    [posted] = _mine(gh)
    assert "failed" in posted["body"]
    second = _run(action_dir, workspace, runner_temp, gh, plan="stage1.json", comment="true")
    assert second.outputs["exit-code"] == "0" and not second.failed, second.log
    [updated] = _mine(gh)
    assert updated["id"] == posted["id"] and "passed" in updated["body"] and "failed" not in updated["body"]
    assert "updated the PR comment" in second.named("Comment").stdout
    # the others' comments are untouched
    assert [c["id"] for c in _comments(gh)][:3] == [11, 12, 13]
    assert _comments(gh)[1]["body"] == "<!-- ctj-policy-report -->\nquoted by someone"


def test_duplicate_comments_from_racing_runs_are_folded_into_one(action_dir, runner_temp, workspace, gh):
    db = json.loads(gh["db"].read_text())
    for cid in (20, 21, 22):  # three earlier comments (pages of two: pagination is exercised)
        db["comments"].append({"id": cid, "body": f"{KEY}\nold {cid}", "user": {"login": "github-actions[bot]", "type": "Bot"}})
    gh["db"].write_text(json.dumps(db))
    _run(action_dir, workspace, runner_temp, gh, plan="stage1.json", comment="true")
    [one] = _mine(gh)
    assert one["id"] == 20 and "passed" in one["body"]


def test_another_category_gets_its_own_comment(action_dir, runner_temp, workspace, gh):
    _run(action_dir, workspace, runner_temp, gh, plan="stage1.json", comment="true")
    _run(action_dir, workspace, runner_temp, gh, path="terraform", comment="true", category="ctj-policy-hcl",
         **{"output-dir": "hcl-reports"})
    bodies = [c["body"] for c in _comments(gh)]
    assert sum(b.startswith(KEY) for b in bodies) == 1
    assert sum(b.startswith("<!-- ctj-policy-action: ctj-policy-hcl -->") for b in bodies) == 1


def test_no_comment_outside_a_pull_request(action_dir, runner_temp, workspace, gh):
    run = _run(action_dir, workspace, runner_temp, gh, github={"event_name": "push", "event": {}}, plan="stage1.json",
               comment="true")
    assert run.named("Comment").ran and "not a pull request" in run.named("Comment").stdout
    assert not _mine(gh) and not run.failed


def test_a_comment_the_token_may_not_write_warns_and_the_gate_still_decides(action_dir, runner_temp, workspace, gh):
    db = json.loads(gh["db"].read_text())
    db["fail"] = True
    gh["db"].write_text(json.dumps(db))
    run = _run(action_dir, workspace, runner_temp, gh, plan="plan.json", comment="true")
    assert run.named("Comment").returncode == 0 and "::warning" in run.named("Comment").stdout
    assert run.named("Gate").returncode == 1


def test_an_unreadable_comment_listing_warns_and_posts_nothing(action_dir, runner_temp, workspace, gh):
    db = json.loads(gh["db"].read_text())
    db["garbage"] = True
    gh["db"].write_text(json.dumps(db))
    run = _run(action_dir, workspace, runner_temp, gh, plan="stage1.json", comment="true")
    comment = run.named("Comment")
    assert comment.returncode == 0 and "could not read the PR comment" in comment.stdout
    assert len(_comments(gh)) == 3 and not run.failed


def test_defaults_write_sarif_and_markdown_and_neither_comment_nor_upload(action_dir, runner_temp, workspace, gh):
    run = _run(action_dir, workspace, runner_temp, gh, plan="stage1.json")
    assert run.outputs["exit-code"] == "0" and not run.failed
    assert Path(run.outputs["sarif"]).is_file() and Path(run.outputs["markdown"]).is_file()
    assert run.outputs["json"] == run.outputs["junit"] == run.outputs["text"] == ""
    assert not run.named("Upload SARIF").ran and not run.named("Comment").ran
    assert len(_comments(gh)) == 3
    assert "::notice" not in run.step("check").stdout  # default formats: github annotations only for findings
    assert "passed" in run.summary


def test_hcl_mode_on_the_tf_sources(action_dir, runner_temp, workspace):
    run = _run(action_dir, workspace, runner_temp, path="terraform", formats="json")
    assert run.outputs["exit-code"] == "1"
    report = json.loads(Path(run.outputs["json"]).read_text())
    assert report["input"]["kind"] == "hcl"
    sarif = json.loads(Path(run.outputs["sarif"]).read_text())
    results = sarif["runs"][0]["results"]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in results for loc in r["locations"]}
    related = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in results for loc in r.get("relatedLocations", ())}
    # relative to the workspace, so code scanning can place them: CTJ's call site, the shared block related
    assert "terraform/projects/civic-tech-jobs/environment-stage.tf" in uris
    assert "terraform/modules/container/main.tf" in related
    assert run.named("Gate").returncode == 1


def test_advisory_mode_keeps_the_step_green_on_findings(action_dir, runner_temp, workspace):
    run = _run(action_dir, workspace, runner_temp, plan="plan.json", **{"fail-on-findings": "false"})
    assert run.outputs["exit-code"] == "1" and not run.failed
    assert "advisory" in run.named("Gate").stdout


def test_extra_args_are_passed_one_per_line(action_dir, runner_temp, workspace):
    run = _run(action_dir, workspace, runner_temp, plan="plan.json", formats="json",
               args="--rule=CTJ003\n  --rule\n  CTJ012  \n")  # one argument a line
    assert run.outputs["exit-code"] == "0", run.log
    report = json.loads(Path(run.outputs["json"]).read_text())
    assert {r["rule_id"] for r in report["results"]} == {"CTJ003", "CTJ012"}


def test_a_missing_plan_is_exit_2_with_the_error_in_the_summary_and_no_upload(action_dir, runner_temp, workspace, gh):
    run = _run(action_dir, workspace, runner_temp, gh, plan="no-such-plan.json", comment="true",
               **{"upload-sarif": "true"})
    assert run.step("check").returncode == 0
    assert run.outputs["exit-code"] == "2" and run.outputs["sarif"] == ""
    assert "no-such-plan.json" in run.summary and "exit code 2" in run.summary
    assert not run.named("Upload SARIF").ran
    [comment] = _mine(gh)  # the PR learns that the check did not run
    assert "exit code 2" in comment["body"] and "no-such-plan.json" in comment["body"]
    assert run.named("Gate").returncode == 2 and run.failed


def test_stale_reports_of_an_earlier_run_are_not_reused(action_dir, runner_temp, workspace):
    ok = _run(action_dir, workspace, runner_temp, plan="stage1.json", formats="json")
    assert ok.outputs["exit-code"] == "0"
    bad = _run(action_dir, workspace, runner_temp, plan="missing.json", formats="json")
    assert bad.outputs["exit-code"] == "2"
    assert bad.outputs["sarif"] == bad.outputs["json"] == ""
    assert not (workspace / "ctj-policy-reports" / "ctj-policy.sarif").exists()


@pytest.mark.parametrize(
    "inputs, message",
    [
        ({"plan": "plan.json", "path": "terraform"}, "not both"),
        ({}, "give the input 'plan'"),
        ({"plan": "plan.json", "formats": "github pdf"}, "unknown report format 'pdf'"),
    ],
)
def test_input_errors_fail_the_step_with_exit_2(action_dir, runner_temp, workspace, inputs, message):
    run = _run(action_dir, workspace, runner_temp, **inputs)
    check = run.step("check")
    assert check.returncode == 2 and message in check.stdout and "::error" in check.stdout
    assert check.outputs["exit-code"] == "2" and message in check.summary
    assert run.failed and not run.named("Gate").ran


def test_shell_metacharacters_in_inputs_are_data(action_dir, runner_temp, workspace):
    marker = workspace / "pwned"
    run = _run(action_dir, workspace, runner_temp, plan=f'plan.json"; touch {marker}; echo "')
    assert not marker.exists()
    assert run.outputs["exit-code"] == "2"


def test_workflow_input_adds_workflow_flags_only_when_set(action_dir, runner_temp, workspace):
    wf = workspace / ".github" / "workflows"
    wf.mkdir(parents=True)
    # a workflow needs at least one job (GitHub rejects `jobs: {}`, and so does the loader)
    (wf / "deploy-stage.yml").write_text("name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
                                         "    steps:\n      - run: echo deploy\n")
    run = _run(action_dir, workspace, runner_temp, plan="plan.json", formats="json",
               workflow=".github/workflows/deploy-stage.yml\n")
    if _cli_has("--workflow"):
        assert run.outputs["exit-code"] in ("0", "1"), run.log
        ids = {r["rule_id"] for r in json.loads(Path(run.outputs["json"]).read_text())["results"]}
        assert ids & {"CTJ040", "CTJ041", "CTJ042", "CTJ043", "CTJ044"}
    else:
        # `check --workflow` lands later (SPEC section 11): today the flag reaches ctj-policy, which rejects it
        assert run.outputs["exit-code"] == "2" and "--workflow" in run.step("check").stderr


@pytest.mark.skipif(not _cli_has("--baseline"), reason="waits on `ctj-policy check --baseline` (SPEC section 10), "
                    "not in `ctj-policy check --help` yet")
def test_baseline_input_turns_known_findings_green_and_new_ones_red(action_dir, runner_temp, workspace):
    bin_dir = Path(sys.executable).parent
    made = subprocess.run([str(bin_dir / "ctj-policy"), "baseline", "terraform", "--output", ".ctj-policy-baseline.json"],
                          cwd=workspace, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    run = _run(action_dir, workspace, runner_temp, path="terraform", baseline=".ctj-policy-baseline.json",
               formats="json")
    assert run.outputs["exit-code"] == "0" and not run.failed, run.log
    results = json.loads(Path(run.outputs["json"]).read_text())["results"]
    assert any(r.get("baseline") == "unchanged" for r in results)
    # a regression: the CTJ project gets its own RDS instance
    stage = workspace / "terraform" / "projects" / "civic-tech-jobs" / "environment-stage.tf"
    stage.write_text(stage.read_text() + textwrap.dedent('''
        resource "aws_db_instance" "regression" {
          engine         = "postgres"
          instance_class = "db.t4g.micro"
        }
        '''))
    run = _run(action_dir, workspace, runner_temp, path="terraform", baseline=".ctj-policy-baseline.json",
               formats="json")
    assert run.outputs["exit-code"] == "1" and run.failed
    new = [r for r in json.loads(Path(run.outputs["json"]).read_text())["results"] if r.get("baseline") == "new"]
    assert new and all("aws_db_instance.regression" in (r["address"] or "") for r in new)
