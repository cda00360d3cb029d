"""Running ctj-policy on hostile input as a user would, within bounds: a fresh process with a
time limit (30 s) and a memory limit (3 GB of address space)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30
MEMORY = 3 << 30


def _limits() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_bounded(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("FORCE_COLOR", None)
    try:
        return subprocess.run(
            [sys.executable, "-m", "ctj_policy", *args],
            capture_output=True,
            cwd=cwd or ROOT,
            env=full_env,
            timeout=TIMEOUT,
            preexec_fn=_limits if os.name == "posix" else None,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"ctj-policy {' '.join(args)} ran over {TIMEOUT} s")


def assert_clean(out: subprocess.CompletedProcess) -> None:
    """Exit 0/1/2, no internal error, no traceback, and an error is one line."""
    err = out.stderr.decode(errors="replace")
    assert out.returncode in (0, 1, 2), (out.returncode, err[-800:])
    assert "internal error" not in err and "Traceback" not in err, err[-800:]
    if out.returncode == 2:
        assert len(err.strip().splitlines()) == 1, err[-800:]
