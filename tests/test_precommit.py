"""The pre-commit hook end to end: ``pre-commit try-repo`` from a fresh clone of this repo.

A temporary git repository holds a miniature incubator (``terraform/`` = a
fixture tree); the ``ctj-policy`` hook must fail on today's legacy shape and
pass on the Stage 1 shape.  pre-commit installs the hook's own Python
environment from PyPI (network), so this test takes a while the first time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml  # pre-commit's own dependency

from conftest import ROOT, TERRAFORM



def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    out = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_manifest_declares_both_hooks():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"ctj-policy", "ctj-policy-plan"}
    src = hooks["ctj-policy"]
    assert src["language"] == "python"
    assert src["entry"].startswith("ctj-policy check")
    assert src["pass_filenames"] is False
    import re

    assert re.search(src["files"], "terraform/main.tf") and re.search(src["files"], "x/stage.tfvars")
    assert not re.search(src["files"], "README.md")
    plan = hooks["ctj-policy-plan"]
    assert plan["language"] == "python" and plan["entry"].startswith("ctj-policy check")
    assert re.search(plan["files"], "plans/tfplan.json")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """A fresh clone of this repository's HEAD (what a user's `rev:` would fetch)."""
    clone = tmp_path_factory.mktemp("hook-repo") / "ctj-policy"
    _git(ROOT, "clone", "--quiet", str(ROOT), str(clone))
    if not (clone / ".pre-commit-hooks.yaml").is_file():
        pytest.fail(".pre-commit-hooks.yaml is not committed: try-repo uses the committed tree")
    return clone


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _incubator(tmp: Path, variant: str) -> Path:
    repo = tmp / f"incubator-{variant}"
    shutil.copytree(TERRAFORM / variant, repo / "terraform")
    _git(repo.parent, "init", "--quiet", str(repo))
    _git(repo, "add", "terraform")
    _git(repo, "commit", "--quiet", "-m", f"{variant} shape")
    return repo


def _try_repo(repo: Path, hook_repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run(
        ["pre-commit", "try-repo", str(hook_repo), "ctj-policy", "--all-files", "--verbose"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.tool("pre-commit")  # found in .venv/bin too (tests/conftest.py puts it on PATH)
def test_hook_fails_on_legacy_and_passes_on_stage1(tmp_path, hook_repo, precommit_home):
    legacy = _incubator(tmp_path, "legacy")
    out = _try_repo(legacy, hook_repo, precommit_home)
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert "ctj-policy" in text and "Failed" in text, text
    assert "CTJ001" in text and "CTJ020" in text, text
    # findings point at the .tf sources
    assert "terraform/modules/container/main.tf:" in text, text

    stage1 = _incubator(tmp_path, "stage1")
    out = _try_repo(stage1, hook_repo, precommit_home)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "Passed" in text, text
