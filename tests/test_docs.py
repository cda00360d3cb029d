"""Every command and snippet in README.md and docs/*.md runs as written.

- ``sh``/``bash`` blocks run with bash, in order, in a sandbox per document (state carries from one block to
  the next, as for a reader typing them): by default a copy of this checkout with ``plan.json``
  (fixtures/plans/legacy.json, what ``terraform show -json`` prints for the miniature incubator) and its
  sources as ``terraform/`` beside it; with ``<!-- run: in=incubator -->`` a git repository holding the
  real incubator tree (``../shared/incubator/terraform``). ``ctj-policy``, ``pre-commit`` and ``python``
  are the test environment's. Every command that fails must exit with the code the block declares
  (``<!-- run: exit=N -->``; without it 0 or 1, a policy result), and the block must end with it.
- ``<!-- not-run: REASON -->`` blocks are reported as skipped with their reason; blocks that use a
  feature this checkout lacks (``ctj-policy baseline`` / ``--baseline``, ``--workflow``) or a tool that is
  absent (Checkov, the SARIF validator) are skipped naming it, and run once it is there.
- ``yaml`` blocks parse; a ``.pre-commit-config.yaml`` passes ``pre-commit validate-config``, a workflow
  passes ``@action-validator/cli``, and every step that uses the action gives only inputs action.yml has.
- ``toml`` blocks parse, and a ctj-policy configuration is accepted by ``ctj-policy check --config``.

Also: one project URL everywhere (``[project.urls]``), one pinned commit that exists and has what the
docs use, the examples validated and using the action, and "your first report" in docs/incubator.md
matching what ctj-policy says about the real incubator tree.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from conftest import PLANS, ROOT, SHARED, TERRAFORM
from mdblocks import Block, blocks

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
INCUBATOR = SHARED / "incubator" / "terraform"  # ../shared, or CTJ_SHARED
VALIDATOR = ROOT / "node_modules" / ".bin" / "action-validator"
BIN = Path(sys.executable).parent
CHECKOV_BIN = ROOT / ".venv-checkov" / "bin"
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
ACTION_INPUTS = set(ACTION["inputs"])
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT_URL = PYPROJECT["project"]["urls"]["Repository"]
OWNER_NAME = PROJECT_URL.removeprefix("https://github.com/")

ALL = [b for doc in DOCS for b in blocks(doc)]
SHELL = [b for b in ALL if b.lang in ("sh", "bash", "shell")]
YAML = [b for b in ALL if b.lang in ("yaml", "yml")]
TOML = [b for b in ALL if b.lang == "toml"]


def _help() -> str:
    out = subprocess.run([sys.executable, "-m", "ctj_policy", "check", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    return out.stdout


CHECK_HELP = _help()
LATER = {  # features the docs use that land in other changes: blocks using them wait, naming them
    "--baseline": "waits on `ctj-policy baseline` / `check --baseline` (SPEC section 10), "
                  "not in `ctj-policy check --help` yet",
    "--workflow": "waits on `check --workflow` (SPEC section 11), not in `ctj-policy check --help` yet",
}


def _missing_feature(text: str) -> str | None:
    uses = {"--baseline": re.search(r"--baseline\b|ctj-policy baseline\b|^\s*baseline:", text, re.M),
            "--workflow": re.search(r"--workflow\b|^\s*workflow:", text, re.M)}
    for flag, used in uses.items():
        if used and flag not in CHECK_HELP:
            return LATER[flag]
    return None


def _checkov() -> str | None:
    if (CHECKOV_BIN / "checkov").exists():
        return str(CHECKOV_BIN / "checkov")
    return shutil.which("checkov")


# --------------------------------------------------------------------------- sandboxes


def _copy_checkout(dest: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    if listed.returncode != 0:
        shutil.copytree(ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(
            ".git", ".venv*", "node_modules", "build", "*.egg-info", "__pycache__", ".pytest_cache"))
        return
    for rel in filter(None, listed.stdout.split("\0")):
        if rel.split("/")[0] in ("node_modules", ".venv", ".venv-checkov"):  # symlinked environments
            continue
        src = ROOT / rel
        if not src.exists() and not src.is_symlink():
            continue  # deleted in the work tree
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target, follow_symlinks=False)


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    out = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def _make_sandbox(kind: str, dest: Path) -> Path:
    if kind == "repo":
        _copy_checkout(dest)
        shutil.copy(PLANS / "legacy.json", dest / "plan.json")
        shutil.copytree(TERRAFORM / "legacy", dest / "terraform")  # follows the fixture's symlinks
        if (ROOT / "node_modules").is_dir():
            (dest / "node_modules").symlink_to(ROOT / "node_modules")
        return dest
    if kind == "incubator":
        if not INCUBATOR.is_dir():
            pytest.skip(f"{INCUBATOR} is absent (the real incubator tree, ../shared/incubator)")
        dest.mkdir(parents=True)
        shutil.copytree(INCUBATOR, dest / "terraform")
        _git(dest, "init", "--quiet", "-b", "main")
        _git(dest, "add", ".")
        _git(dest, "commit", "--quiet", "--no-verify", "-m", "incubator")
        return dest
    raise AssertionError(f"unknown sandbox in={kind}")


class Sandboxes:
    """One sandbox per (document, kind); blocks run in document order, each at most once."""

    def __init__(self, factory):
        self.factory = factory
        self.dirs: dict[tuple[str, str], Path] = {}
        self.results: dict[str, subprocess.CompletedProcess] = {}

    def run(self, block: Block) -> subprocess.CompletedProcess:
        kind = block.options.get("in", "repo")
        key = (block.path.name, kind)
        if key not in self.dirs:
            self.dirs[key] = _make_sandbox(kind, self.factory.mktemp(f"{block.path.stem}-{kind}") / "work")
        for earlier in SHELL:
            if earlier.path == block.path and earlier.line < block.line and earlier.options.get("in", "repo") == kind \
                    and earlier.id not in self.results and _skip_reason(earlier) is None:
                self._run(earlier, self.dirs[key])
        if block.id not in self.results:
            self._run(block, self.dirs[key])
        return self.results[block.id]

    def _run(self, block: Block, cwd: Path) -> None:
        path = [str(BIN)]
        if CHECKOV_BIN.is_dir():
            path.append(str(CHECKOV_BIN))
        env = {**os.environ, "PATH": os.pathsep.join(path + [os.environ.get("PATH", "")]), "NO_COLOR": "1"}
        for var in ("VIRTUAL_ENV", "FORCE_COLOR", "PYTHONDONTWRITEBYTECODE"):
            env.pop(var, None)
        script = "trap 'echo \"__doc_exit__ $? line $LINENO: $BASH_COMMAND\" >&2' ERR\n" + block.text
        self.results[block.id] = subprocess.run(["bash", "--noprofile", "--norc", "-c", script], cwd=cwd, env=env,
                                                capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory) -> Sandboxes:
    return Sandboxes(tmp_path_factory)


def _skip_reason(block: Block) -> str | None:
    if block.kind == "not-run":
        return f"not-run: {block.reason or '(no reason given)'}"
    missing = _missing_feature(block.text)
    if missing:
        return missing
    if re.search(r"\bcheckov\b", block.text) and not _checkov():
        return "Checkov is not installed (scripts/test.sh installs .venv-checkov)"
    if "sarif-multitool" in block.text and not (ROOT / "node_modules" / "@microsoft" / "sarif-multitool").is_dir():
        return "@microsoft/sarif-multitool is not installed (npm ci)"
    if block.options.get("in") == "incubator" and not INCUBATOR.is_dir():
        return f"{INCUBATOR} is absent (the real incubator tree, ../shared/incubator)"
    return None


# --------------------------------------------------------------------------- shell blocks


def test_blocks_were_found():
    """The extraction sees the docs' blocks (a broken parser must not make every test vanish)."""
    names = {b.path.name for b in SHELL}
    assert {"README.md", "incubator.md", "ci.md", "hcl.md"} <= names
    assert any(b.kind == "not-run" for b in SHELL) and any(b.options.get("in") == "incubator" for b in SHELL)


@pytest.mark.parametrize("block", SHELL, ids=[b.id for b in SHELL])
def test_shell_block_runs_as_written(block, sandboxes):
    reason = _skip_reason(block)
    if reason:
        pytest.skip(reason)
    out = sandboxes.run(block)
    failures = [ln for ln in out.stderr.splitlines() if ln.startswith("__doc_exit__ ")]
    codes = {int(ln.split()[1]) for ln in failures}
    where = f"{block.id}\n--- stdout\n{out.stdout[-3000:]}\n--- stderr\n{out.stderr[-3000:]}"
    if "exit" in block.options:
        want = int(block.options["exit"])
        assert codes <= {want} and out.returncode == want, where
    else:
        assert codes <= {0, 1} and out.returncode in (0, 1), where
    assert "Traceback (most recent call last)" not in out.stderr, where


# --------------------------------------------------------------------------- yaml and toml blocks


def _ctj_policy_steps(node) -> list[dict]:
    """Every mapping that `uses:` this project's action, anywhere in a parsed YAML document."""
    found = []
    if isinstance(node, dict):
        if str(node.get("uses", "")).startswith(f"{OWNER_NAME}@"):
            found.append(node)
        for v in node.values():
            found += _ctj_policy_steps(v)
    elif isinstance(node, list):
        for v in node:
            found += _ctj_policy_steps(v)
    return found


def _check_action_steps(doc, where: str) -> None:
    for step in _ctj_policy_steps(doc):
        given = set(step.get("with") or {})
        assert given <= ACTION_INPUTS, f"{where}: inputs action.yml does not have: {sorted(given - ACTION_INPUTS)}"
        assert ("plan" in given) != ("path" in given), f"{where}: give the action `plan` or `path`"


def _validate_workflow(text: str, tmp_path: Path, name: str = "workflow.yml") -> None:
    if not VALIDATOR.exists():
        pytest.skip("@action-validator/cli is not installed (npm ci)")
    f = tmp_path / name
    f.write_text(text)
    out = subprocess.run([str(VALIDATOR), str(f)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("block", YAML, ids=[b.id for b in YAML])
def test_yaml_block_is_valid(block, tmp_path):
    doc = yaml.safe_load(block.text)
    assert doc is not None, block.id
    _check_action_steps(doc, block.id)
    if isinstance(doc, dict) and "repos" in doc:
        cfg = tmp_path / ".pre-commit-config.yaml"
        cfg.write_text(block.text)
        if importlib.util.find_spec("pre_commit") is None:
            pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
        out = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(cfg)], capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        manifest = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
        for repo in doc["repos"]:
            if repo["repo"] == PROJECT_URL:
                assert {h["id"] for h in repo["hooks"]} <= manifest, block.id
    elif isinstance(doc, dict) and "jobs" in doc and True in doc:  # `on:` parses as True
        _validate_workflow(block.text, tmp_path)


@pytest.mark.parametrize("block", TOML, ids=[b.id for b in TOML])
def test_toml_block_is_valid(block, tmp_path):
    data = tomllib.loads(block.text)
    if "tool" in data and "ctj-policy" in data["tool"]:
        cfg = tmp_path / "pyproject.toml"
    else:
        cfg = tmp_path / ".ctj-policy.toml"
    cfg.write_text(block.text)
    out = subprocess.run([sys.executable, "-m", "ctj_policy", "check", str(PLANS / "whole-account.json"),
                          "--config", str(cfg), "--format", "json"], capture_output=True, text=True, timeout=120)
    assert out.returncode in (0, 1), f"{block.id}: {out.stderr}"


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_workflow_passes_the_validator_and_uses_the_action(example, tmp_path):
    _validate_workflow(example.read_text(), tmp_path)
    doc = yaml.safe_load(example.read_text())
    steps = _ctj_policy_steps(doc)
    assert steps, f"{example.name} does not use {OWNER_NAME}@<commit>"
    _check_action_steps(doc, example.name)
    text = example.read_text()
    assert "TERRAFORM_PLAN_ROLE_ARN" not in text  # no such variable exists in the incubator
    assert "CTJ_POLICY_PIP" not in text
    for job in doc["jobs"].values():
        if _ctj_policy_steps(job) and any(s.get("with", {}).get("upload-sarif") in (True, "true")
                                          for s in _ctj_policy_steps(job)):
            assert (job.get("permissions") or doc.get("permissions") or {}).get("security-events") == "write"
        if _ctj_policy_steps(job) and any(s.get("with", {}).get("comment") in (True, "true")
                                          for s in _ctj_policy_steps(job)):
            assert (job.get("permissions") or doc.get("permissions") or {}).get("pull-requests") == "write"
    [job] = [j for j in doc["jobs"].values() if _ctj_policy_steps(j)]
    [step] = _ctj_policy_steps(job)
    assert step["with"]["source-dir"] == "terraform", "the plan's sources: file:line and values known after apply"
    assert job["permissions"]["id-token"] == "write"  # OIDC to the plan role
    assert "role/incubator-tf-plan" in str(job["steps"])  # the role the incubator's plan workflow assumes
    dflook = [s for s in job["steps"] if str(s.get("uses", "")).startswith("dflook/terraform-plan@")]
    if dflook:
        assert dflook[0]["with"]["path"] == "terraform"
        assert step["with"]["plan"] == f"${{{{ steps.{dflook[0]['id']}.outputs.json_plan_path }}}}"
    else:
        runs = "\n".join(s.get("run", "") for s in job["steps"])
        assert "terraform -chdir=terraform show -json tfplan > plan.json" in runs and step["with"]["plan"] == "plan.json"
        setup = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("hashicorp/setup-terraform@"))
        assert setup["with"]["terraform_wrapper"] is False  # the wrapper's lines would corrupt the JSON
    on = doc[True]
    for event in on.values():
        globs = (event or {}).get("paths", [])
        if any(g.endswith(".yaml") for g in globs):
            assert any(g.endswith((".yml", "y*ml")) for g in globs), f"{example.name}: .yaml without .yml"
    # code scanning's Security tab needs a default-branch run, or the file says PR runs show in the check only
    assert "push" in on or "PR check only" in text or "pull requests only" in text.lower()


# --------------------------------------------------------------------------- one URL, one pinned commit

PUBLISHED = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *EXAMPLES, ROOT / "action.yml",
             ROOT / ".pre-commit-hooks.yaml"]


def test_one_project_url_everywhere():
    urls = PYPROJECT["project"]["urls"]
    assert urls["Homepage"] == urls["Repository"] == PROJECT_URL
    assert all(u.startswith(PROJECT_URL) for u in urls.values())
    seen = 0
    for f in PUBLISHED:
        text = f.read_text()
        for m in re.finditer(r"github\.com/([\w.-]+/ctj-policy)\b", text):
            assert f"https://github.com/{m.group(1)}" == PROJECT_URL, f"{f.name}: {m.group(0)}"
            seen += 1
        for m in re.finditer(r"uses:\s*([\w.-]+/ctj-policy)@", text):
            assert m.group(1) == OWNER_NAME, f"{f.name}: {m.group(0)}"
            seen += 1
    assert seen >= 5


def test_sarif_information_uri_is_the_project_url():
    out = subprocess.run([sys.executable, "-m", "ctj_policy", "check", str(PLANS / "stage1-project.json"),
                          "--format", "sarif"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    uri = json.loads(out.stdout)["runs"][0]["tool"]["driver"]["informationUri"]
    assert uri == PYPROJECT["project"]["urls"]["Homepage"], (
        f"SARIF informationUri is {uri}: the installed metadata must carry [project.urls] (pip install -e . again)")


_PIN = re.compile(rf"(?:{re.escape(OWNER_NAME)}@|{re.escape(PROJECT_URL)}@|^\s*rev:\s*)([0-9A-Za-z._-]+)", re.M)


def _pins() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for f in PUBLISHED:
        for m in _PIN.finditer(f.read_text()):
            found.setdefault(m.group(1), set()).add(f.name)
    return found


def _git_out(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_docs_pin_one_commit_that_exists_and_has_what_they_use():
    pins = _pins()
    assert pins, "no pinned commit found"
    for ref, files in pins.items():
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{ref} in {sorted(files)}: pin a full commit SHA (no tag exists)"
    assert len(pins) == 1, f"one pinned commit everywhere, found {pins}"
    [sha] = pins
    if _git_out("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("not a git checkout: cannot look the pinned commit up")
    assert _git_out("cat-file", "-e", f"{sha}^{{commit}}").returncode == 0, f"{sha} is not a commit of this repository"
    assert _git_out("merge-base", "--is-ancestor", sha, "HEAD").returncode == 0, (
        f"{sha} is not in this branch's history (rebased or squashed?): pin a commit of it")
    pinned_action = yaml.safe_load(_git_out("show", f"{sha}:action.yml").stdout or "{}") or {}
    assert pinned_action.get("runs", {}).get("using") == "composite", f"{sha} has no action.yml"
    used = set()
    for f in PUBLISHED:
        if f.suffix in (".md", ".yml") and f.name != "action.yml":
            for step in _ctj_policy_steps([yaml.safe_load(b.text) for b in blocks(f) if b.lang in ("yaml", "yml")]
                                          if f.suffix == ".md" else yaml.safe_load(f.read_text())):
                used |= set(step.get("with") or {})
    assert used and used <= set(pinned_action.get("inputs") or {}), (
        f"the pinned commit's action.yml lacks {sorted(used - set(pinned_action.get('inputs') or {}))}")
    pinned_hooks = {h["id"]: h for h in yaml.safe_load(_git_out("show", f"{sha}:.pre-commit-hooks.yaml").stdout)}
    here = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert pinned_hooks["ctj-policy"]["files"] == here["ctj-policy"]["files"], "the pinned hook runs on other files"


def test_pinned_commit_has_the_features_the_snippets_pass():
    """A snippet passing --baseline (or --workflow) works only from a pinned commit that has it."""
    [sha] = _pins()
    if _git_out("cat-file", "-e", f"{sha}^{{commit}}").returncode != 0:
        pytest.skip("the pinned commit is not in this checkout (test_docs_pin_one_commit... says why)")
    texts = "\n".join(b.text for f in PUBLISHED if f.suffix == ".md" for b in blocks(f)) + "".join(
        e.read_text() for e in EXAMPLES)
    waiting = []
    for flag, reason in LATER.items():
        if not re.search(rf"{flag}\b|^\s*{flag[2:]}:", texts, re.M):
            continue
        if flag not in CHECK_HELP:
            waiting.append(f"{flag}: {reason}")
            continue
        assert _git_out("grep", "-q", "-e", f'"{flag}"', sha, "--", "ctj_policy").returncode == 0, (
            f"the docs pass {flag}; this checkout has it but the pinned commit {sha} does not: pin a newer commit")
    if waiting:
        pytest.skip("the snippets pass options this checkout lacks, so the pin waits too: " + "; ".join(waiting))


# --------------------------------------------------------------------------- the action's documentation


def test_ci_md_lists_every_action_input_and_output():
    text = (ROOT / "docs" / "ci.md").read_text()
    section = text[text.index("## The GitHub Action"):]
    section = section[: section.index("\n## ", 3)]
    inputs = {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `([\w-]+)` \| ([^|]*)\|[^|]*\|$", section, re.M)}
    assert set(inputs) == ACTION_INPUTS
    for name, spec in ACTION["inputs"].items():
        default = str(spec.get("default", "")).replace("${{ ", "").replace(" }}", "")
        assert inputs[name].strip("`") == default, name
    outputs = set(re.findall(r"`([\w-]+)`", "\n".join(ln.split("|")[1] for ln in section.splitlines()
                                                      if ln.startswith("| `") and ln.count("|") == 3)))
    assert outputs == set(ACTION["outputs"]), outputs


# --------------------------------------------------------------------------- "your first report"


def test_first_report_in_incubator_md_matches_the_real_tree(tmp_path):
    if not INCUBATOR.is_dir():
        pytest.skip(f"{INCUBATOR} is absent (the real incubator tree, ../shared/incubator)")
    shutil.copytree(INCUBATOR, tmp_path / "terraform")
    out = subprocess.run([sys.executable, "-m", "ctj_policy", "check", "terraform", "--format", "json"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    s = report["summary"]
    text = (ROOT / "docs" / "incubator.md").read_text()
    section = text[text.index("## 1. Your first report"):text.index("## 2. The baseline")]
    assert f"**{s['fail']} failing, {s['unknown']} undecided, {s['pass']} passing**" in section
    passing = sorted({r["rule_id"] for r in report["results"] if r["status"] == "pass"})
    assert all(rule in section.split("exits 1")[0] for rule in passing), passing
    failing = [r for r in report["results"] if r["status"] == "fail"]
    groups = {"fullstack_stage_service": 0, "ecr_fullstack": 0, "stage_database": 0}
    for r in failing:
        address = r["address"] or ""
        if "civic_tech_jobs_fullstack_stage_service" in address or (not address and r["rule_id"] == "CTJ010"):
            groups["fullstack_stage_service"] += 1
        elif "civic_tech_jobs_ecr_fullstack" in address or (not address and r["rule_id"] == "CTJ004"):
            groups["ecr_fullstack"] += 1
        elif "civic_tech_jobs_stage_database" in address:
            groups["stage_database"] += 1
        else:
            raise AssertionError(f"a failing result the table does not explain: {r['rule_id']} {address}")
    rows = [ln for ln in section.splitlines() if ln.startswith("| ") and "civic_tech_jobs_" in ln]
    stated = {key: int(next(ln for ln in rows if f"civic_tech_jobs_{key}" in ln).split("|")[2]) for key in groups}
    assert stated == groups
    assert sum(groups.values()) == s["fail"]
