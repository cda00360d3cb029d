"""Shared test helpers, and the two rules for what a test may skip.

1. ``../shared`` (the corpus, SPEC.md, the incubator, the seeds) lies BESIDE the repository, not in it: a
   fresh clone has nothing there. A test that reads it asks for it through :func:`shared_path`, the
   ``shared`` marker, or a parameter inside it (:func:`shared_files`); when it is absent the test is
   skipped with the reason. ``CTJ_SHARED=/path/to/shared`` points elsewhere (a git worktree has no
   ``../shared``). ``CTJ_REQUIRE_SHARED=1`` (set by ``.ci/run``: CI always has it) turns the
   skip into a failure.
2. A test that needs an external tool (Checkov in ``.venv-checkov``, node packages, Chromium,
   pre-commit) checks for THAT tool (:func:`require_tool`, :func:`find_tool`, the ``tool`` marker) and
   is skipped, naming it and how to install it, only when it is really absent. ``CTJ_REQUIRE_TOOLS=1``
   (set by ``.ci/run``) turns the skip into a failure. ``bash scripts/test.sh`` installs every tool.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PLANS = FIXTURES / "plans"
TERRAFORM = FIXTURES / "terraform"
# ../shared beside the checkout; CTJ_SHARED=/path/to/shared points elsewhere (e.g. from a git worktree)
SHARED = Path(os.environ.get("CTJ_SHARED") or ROOT.parent / "shared").resolve()
CORPUS = SHARED / "corpus"

# The tools of the interpreter's own environment (.venv/bin: pre-commit, ruff) come first on PATH, as
# in an activated virtualenv, so `.venv/bin/python -m pytest` finds them without activating it.
# (Not resolved: .venv/bin/python is a symlink to the base interpreter.)
VENV_BIN = Path(sys.executable).parent
if str(VENV_BIN) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join(p for p in (str(VENV_BIN), os.environ.get("PATH")) if p)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def _skip_or_fail(reason: str, switch: str) -> None:
    if _flag(switch):
        pytest.fail(f"{reason} [{switch}=1: this must not be skipped]", pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------- ../shared


def shared_missing_reason(rel: str) -> str:
    if os.environ.get("CTJ_SHARED"):
        return f"{SHARED / rel} not present (CTJ_SHARED={os.environ['CTJ_SHARED']})"
    return f"../shared/{rel} not present: run from a checkout with shared/ beside it (CI has it)"


def require_shared(*parts: str) -> Path:
    """``../shared/<parts>``; skips the calling test when it is absent (fails under CTJ_REQUIRE_SHARED=1)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        _skip_or_fail(shared_missing_reason("/".join(parts)), "CTJ_REQUIRE_SHARED")
    return path


@pytest.fixture
def shared_path():
    """``shared_path("corpus")`` -> the path; the test is skipped (or fails, see above) when it is absent."""
    return require_shared


def shared_files(where: str, pattern: str = "*.json") -> list[Path]:
    """The files of ``../shared/<where>`` matching ``pattern``, sorted, to parametrize a test over.

    When the directory is absent the list is ``[../shared/<where>]`` itself: ONE case, which
    :func:`_guard_shared_and_tools` skips (or fails) with the reason, instead of an empty parameter set
    that would pass unnoticed."""
    base = SHARED / where
    return sorted(base.glob(pattern)) if base.is_dir() else [base]


CORPUS_FILES = shared_files("corpus")


# ---------------------------------------------------------------- external tools


CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_PYTHON = ROOT / ".venv-checkov" / "bin" / "python"

# how each tool gets installed, for the skip reason
INSTALL = {
    "checkov": "scripts/test.sh installs requirements-checkov.txt into .venv-checkov",
    "node": "install Node.js (apt-get install nodejs npm)",
    "node_modules": "npm ci at the repository root (scripts/test.sh runs it)",
    "chromium": "apt-get install chromium, or set CHROMIUM to a Chromium/Chrome binary (scripts/test.sh installs it)",
    "pre-commit": "pip install -e '.[test]' (scripts/test.sh does)",
}


def find_tool(name: str) -> str | None:
    """An executable named ``name`` in the interpreter's environment or on PATH (None when absent)."""
    own = VENV_BIN / name
    if own.is_file() and os.access(own, os.X_OK):
        return str(own)
    return shutil.which(name)


def chromium() -> str | None:
    """A headless-capable Chromium: ``$CHROMIUM`` when set (it must exist), else one on PATH."""
    if os.environ.get("CHROMIUM"):
        path = os.environ["CHROMIUM"]
        return path if os.access(path, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return None


def require_tool(available: object, reason: str) -> None:
    """Skip the calling test with ``reason`` (which names the tool) unless ``available`` is truthy;
    under CTJ_REQUIRE_TOOLS=1 (``.ci/run``) fail instead."""
    if not available:
        _skip_or_fail(reason, "CTJ_REQUIRE_TOOLS")


def _tool_present(name: str) -> bool:
    if name == "checkov":
        return CHECKOV.is_file() and os.access(CHECKOV, os.X_OK)
    if name == "chromium":
        return chromium() is not None
    return find_tool(name) is not None


# ---------------------------------------------------------------- markers


def pytest_configure(config):
    config.addinivalue_line("markers", "shared(where): the test reads ../shared/<where>; skipped when it is absent")
    config.addinivalue_line("markers", "tool(name): the test runs the external tool <name>; skipped when it is absent")


@pytest.fixture(autouse=True)
def _guard_shared_and_tools(request):
    """Apply the ``shared`` and ``tool`` markers, and skip a case parametrized with a path inside an
    absent ``../shared`` (see :func:`shared_files`)."""
    for mark in request.node.iter_markers("shared"):
        require_shared(*mark.args)
    for mark in request.node.iter_markers("tool"):
        for name in mark.args:
            require_tool(_tool_present(name), f"{name} is not installed ({INSTALL.get(name, 'see scripts/test.sh')})")
    callspec = getattr(request.node, "callspec", None)
    for value in (callspec.params.values() if callspec else ()):
        if isinstance(value, Path) and value.is_relative_to(SHARED) and not value.exists():
            require_shared(*value.relative_to(SHARED).parts)


# ---------------------------------------------------------------- running the CLI


def run_cli(
    *args: str, input: bytes | None = None, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m ctj_policy`` as a user would; returns the completed process (bytes)."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "ctj_policy", *args],
        input=input,
        capture_output=True,
        cwd=cwd or ROOT,
        env=full_env,
        timeout=120,
    )


@pytest.fixture
def cli():
    return run_cli
