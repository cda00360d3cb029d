"""The pre-commit hook end to end, with the real ``pre-commit`` (PyPI, in the ``test`` extra).

A temporary git repository is a miniature incubator: ``terraform/`` is a fixture tree (the root
``main.tf``, ``projects/civic-tech-jobs/``, ``projects/vrms/`` and the other projects, the shared
``modules/``). Its ``.pre-commit-config.yaml`` points at THIS checkout (``repo: <path>``,
``rev: <HEAD commit>``): pre-commit clones it and installs the hook with pip from the clone, as it
would from GitHub (PyPI is the only network it needs). ``pre-commit install`` puts the git hook in
place and every scenario is a real ``git commit``: a CTJ change is checked, another project's is
skipped. The baseline scenario uses docs/incubator.md's configuration as written (only ``repo:`` and
``rev:`` point here) and waits on ``check --baseline``.

pre-commit tests COMMITTED code: uncommitted changes to the hook or the package are not in ``rev``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
import yaml  # pre-commit's own dependency

from conftest import ROOT, TERRAFORM
from mdblocks import blocks

HOOKS = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
REPO_URL = "https://github.com/hackforla/ctj-policy"
CTJ_FILE = "terraform/projects/civic-tech-jobs/environment-stage.tf"
VRMS_FILE = "terraform/projects/vrms/main.tf"


def _precommit_command() -> list[str] | None:
    """pre-commit from the environment the tests run in (its bin/ need not be on PATH), else PATH."""
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    found = shutil.which("pre-commit")
    return [found] if found else None


PRE_COMMIT = _precommit_command()
needs_pre_commit = pytest.mark.skipif(
    PRE_COMMIT is None, reason="pre-commit is not installed (pip install -e '.[test]' installs it)")


def _cli_has(flag: str) -> bool:
    out = subprocess.run([sys.executable, "-m", "ctj_policy", "check", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    return flag in out.stdout


# --------------------------------------------------------------------------- the manifest (no tool needed)


def test_manifest_declares_both_hooks():
    assert set(HOOKS) == {"ctj-policy", "ctj-policy-plan"}
    src = HOOKS["ctj-policy"]
    assert src["language"] == "python"
    assert src["entry"].startswith("ctj-policy check") and src["args"] == ["terraform"]
    assert src["pass_filenames"] is False
    plan = HOOKS["ctj-policy-plan"]
    assert plan["language"] == "python" and plan["entry"].startswith("ctj-policy check")
    assert re.search(plan["files"], "plans/tfplan.json")


@pytest.mark.parametrize("path, runs", [
    ("terraform/projects/civic-tech-jobs/x.tf", True),
    ("terraform/projects/civic-tech-jobs/environment-stage.tf", True),
    ("terraform/projects/civic-tech-jobs/stage.tfvars", True),
    ("terraform/modules/container/main.tf", True),
    ("terraform/modules/legacy/multi-tenant-database/main.tf", True),
    ("terraform/main.tf", True),
    ("terraform/moved.tf", True),
    ("terraform/prod.backend.tfvars", True),
    (".ctj-policy.toml", True),
    (".ctj-policy-baseline.json", True),
    ("terraform/projects/vrms/x.tf", False),
    ("terraform/projects/people-depot/main.tf", False),
    ("terraform/projects/civic-tech-jobs-old/main.tf", False),
    ("terraform/projects/civic-tech-jobs/README.md", False),
    ("terraform/modules/legacy/multi-tenant-database/sqlalchemy.zip", False),
    ("README.md", False),
    ("other/terraform/main.tf", False),
])
def test_hook_runs_for_ctj_inputs_only(path, runs):
    assert bool(re.search(HOOKS["ctj-policy"]["files"], path)) is runs


def test_hook_files_match_every_ctj_input_and_no_other_project_in_the_fixture_tree():
    """Over a whole incubator-shaped tree: the hook sees the root, CTJ and the modules, never another project."""
    tree = TERRAFORM / "stage1"
    seen = 0
    for f in sorted(tree.rglob("*.tf")):
        rel = "terraform/" + f.relative_to(tree).as_posix()
        other = rel.startswith("terraform/projects/") and not rel.startswith("terraform/projects/civic-tech-jobs/")
        assert bool(re.search(HOOKS["ctj-policy"]["files"], rel)) is not other, rel
        seen += other
    assert seen >= 3  # the tree really holds other projects


def test_manifest_is_valid_for_pre_commit():
    if PRE_COMMIT is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]' installs it)")
    out = subprocess.run([*PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_manifest_snippet_names_the_project_url_and_no_tag():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert f"repo: {REPO_URL}" in text
    assert not re.search(r"rev:\s*v\d", text), "no release tag exists: pin a commit"


# --------------------------------------------------------------------------- the real pre-commit


def _git(cwd: Path, *args: str, check: bool = True, home: Path | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **({"PRE_COMMIT_HOME": str(home)} if home else {}),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "NO_COLOR": "1",
        "PRE_COMMIT_COLOR": "never",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("VIRTUAL_ENV", None)
    out = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


@pytest.fixture(scope="module")
def hook_rev() -> str:
    """This checkout's HEAD: what `rev:` pins (pre-commit clones the committed tree)."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: pre-commit needs a repository to clone the hook from")
    dirty = _git(ROOT, "status", "--porcelain", "--", "ctj_policy", "pyproject.toml", ".pre-commit-hooks.yaml").stdout
    if dirty.strip():
        warnings.warn("pre-commit tests the committed HEAD; uncommitted changes are not in it:\n" + dirty, stacklevel=2)
    return _git(ROOT, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory) -> Path:
    """One PRE_COMMIT_HOME for the module: the hook's environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _config(hook_rev: str, hooks: str = "      - id: ctj-policy\n") -> str:
    return f"repos:\n  - repo: {ROOT}\n    rev: {hook_rev}\n    hooks:\n{hooks}"


def _incubator(tmp: Path, variant: str, config: str, home: Path) -> Path:
    """A git repository shaped like hackforla/incubator, with the hook installed."""
    repo = tmp / f"incubator-{variant}"
    shutil.copytree(TERRAFORM / variant, repo / "terraform")  # follows the fixture's symlinks
    (repo / ".pre-commit-config.yaml").write_text(config)
    _git(tmp, "init", "--quiet", "-b", "main", str(repo))
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "--no-verify", "-m", f"{variant} shape")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    out = subprocess.run([*PRE_COMMIT, "install"], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return repo


def _commit(repo: Path, home: Path, path: str, addition: str) -> subprocess.CompletedProcess:
    """Append to PATH and `git commit` it: the installed hook decides."""
    f = repo / path
    f.write_text(f.read_text() + addition)
    _git(repo, "add", path)
    return _git(repo, "commit", "-m", f"change {path}", check=False, home=home)


def _landed(repo: Path) -> int:
    return int(_git(repo, "rev-list", "--count", "HEAD").stdout)


COMMENT = "\n# a one-line change\n"


@needs_pre_commit
def test_legacy_ctj_change_is_refused_other_projects_pass(tmp_path, hook_rev, precommit_home):
    repo = _incubator(tmp_path, "legacy", _config(hook_rev), precommit_home)

    out = _commit(repo, precommit_home, VRMS_FILE, COMMENT)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert re.search(r"ctj-policy \(CivicTechJobs.*\(no files to check\)Skipped", text), text
    assert _landed(repo) == 2

    out = _commit(repo, precommit_home, CTJ_FILE, COMMENT)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert re.search(r"ctj-policy \(CivicTechJobs.*Failed", text), text
    assert "CTJ001" in text and "CTJ020" in text, text
    assert "terraform/modules/container/main.tf:" in text, text  # findings point at the .tf sources
    assert _landed(repo) == 2
    _git(repo, "reset", "--quiet", "--hard")

    for shared in ("terraform/modules/container/main.tf", "terraform/main.tf"):
        out = _commit(repo, precommit_home, shared, COMMENT)
        assert out.returncode != 0 and "CTJ001" in out.stdout + out.stderr, (shared, out.stdout + out.stderr)
        _git(repo, "reset", "--quiet", "--hard")


@needs_pre_commit
def test_stage1_ctj_change_passes(tmp_path, hook_rev, precommit_home):
    repo = _incubator(tmp_path, "stage1", _config(hook_rev), precommit_home)
    out = _commit(repo, precommit_home, CTJ_FILE, COMMENT)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert re.search(r"ctj-policy \(CivicTechJobs.*Passed", text), text
    assert _landed(repo) == 2
    # and a regression on the Stage 1 shape is refused
    out = _commit(repo, precommit_home, CTJ_FILE, 'resource "aws_db_instance" "regression" {\n'
                                                  '  engine         = "postgres"\n'
                                                  '  instance_class = "db.t4g.micro"\n}\n')
    assert out.returncode != 0 and "CTJ020" in out.stdout + out.stderr, out.stdout + out.stderr


def doc_config() -> str:
    """docs/incubator.md's `.pre-commit-config.yaml`, as written."""
    found = [b.text for b in blocks(ROOT / "docs" / "incubator.md")
             if b.lang in ("yaml", "yml") and "repos" in (yaml.safe_load(b.text) or {})]
    assert len(found) == 1, "docs/incubator.md shows one .pre-commit-config.yaml"
    return found[0]


def test_doc_config_uses_the_hook_with_the_baseline():
    config = yaml.safe_load(doc_config())
    [repo] = config["repos"]
    assert repo["repo"] == REPO_URL
    assert re.fullmatch(r"[0-9a-f]{40}", str(repo["rev"])), "pin a commit (no release tag exists)"
    [hook] = repo["hooks"]
    assert hook["id"] == "ctj-policy"
    assert hook["args"][0] == "terraform" and "--baseline" in hook["args"]
    assert "files" not in hook  # the manifest's default applies


@needs_pre_commit
@pytest.mark.skipif(not _cli_has("--baseline"), reason="waits on `ctj-policy check --baseline` (SPEC section 10), "
                    "not in `ctj-policy check --help` yet")
def test_doc_config_with_baseline_legacy_passes_a_regression_fails(tmp_path, hook_rev, precommit_home):
    text = doc_config()
    text = re.sub(r"(?m)^(\s*-?\s*repo:\s*).*$", rf"\g<1>{ROOT}", text)
    text = re.sub(r"(?m)^(\s*rev:\s*)\S+", rf"\g<1>{hook_rev}", text)
    repo = _incubator(tmp_path, "legacy", text, precommit_home)
    baseline_file = yaml.safe_load(text)["repos"][0]["hooks"][0]["args"]
    baseline_file = baseline_file[baseline_file.index("--baseline") + 1]
    made = subprocess.run([sys.executable, "-m", "ctj_policy", "baseline", "terraform", "--output", baseline_file],
                          cwd=repo, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    _git(repo, "add", baseline_file)
    out = _git(repo, "commit", "-m", "ctj-policy baseline", check=False, home=precommit_home)
    assert out.returncode == 0, out.stdout + out.stderr  # the baseline's own commit runs the hook: it passes

    out = _commit(repo, precommit_home, CTJ_FILE, COMMENT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"ctj-policy \(CivicTechJobs.*Passed", out.stdout + out.stderr)
    assert _landed(repo) == 3  # the legacy CTJ change went in

    out = _commit(repo, precommit_home, CTJ_FILE, textwrap.dedent('''
        resource "aws_db_instance" "regression" {
          engine         = "postgres"
          instance_class = "db.t4g.micro"
        }
        '''))
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert "aws_db_instance.regression" in text and "CTJ020" in text, text
    assert _landed(repo) == 3  # refused
    # the hook's output says which result is new; the legacy ones are there, marked known
    [new] = re.findall(r"(?m)^new +(CTJ\d+ .*)$", text)
    assert new.startswith("CTJ020") and "aws_db_instance.regression" in new, text
    # every baseline entry is known: on a "known" line of its own, or folded under its known cause
    # ("↳ N more results follow from this one"), each once
    entries = len(json.loads((repo / baseline_file).read_text())["entries"])
    known = len(re.findall(r"(?m)^known +CTJ", text))
    under_known = r"(?m)(?<=^known ).*\n  \u21b3 (\d+) more results? follows? from this one"
    folded = [int(n) for n in re.findall(under_known, text)]
    assert len(re.findall("\u21b3", text)) == len(folded) == 1, text  # CTJ001's consequences, under it
    assert known >= 20 and known + sum(folded) == entries, text
    assert f"1 new, {entries} known (baseline), 0 fixed" in text, text
