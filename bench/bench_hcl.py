#!/usr/bin/env python3
"""Bench: `ctj-policy check` on the .tf sources, wall time in a fresh process (SPEC section 7: < 0.5 s cold).

Two targets in a copy of the Stage 1 miniature incubator: the Terraform root
and the CTJ project directory itself (which calls ../../modules/*).  Each run
is a new interpreter (what pre-commit does).  Three situations:

- ``cold: no parse cache``: the parse-tree cache is off (CTJ_POLICY_NO_CACHE=trees),
  so every in-scope .tf file is parsed with python-hcl2's Lark grammar (the
  built parser stays cached: it is built once per install, by the first run,
  which is reported on its own);
- ``cold, no parser pickle``: as cold, and the pickled parser object is not
  used either (CTJ_POLICY_NO_CACHE=trees,parser): the parser comes from
  Lark's serialized form, what a run costs without any pickle of ours;
- ``warm parse cache``: the files are unchanged since the last run (the usual
  pre-commit case: unchanged files come from the content-keyed cache);
- ``one file changed``: one in-scope file differs from every cached version.

Usage: python3 bench/bench_hcl.py [--runs N] [--tree fixtures/terraform/stage1] [--target DIR ...]

It runs the ``ctj-policy`` found on PATH.  Measure what pre-commit installs, a
regular (not editable) install: an editable install's import finder adds about
20 ms to every start.

    python3 -m venv /tmp/ctj-bench && /tmp/ctj-bench/bin/pip install -q .
    PATH=/tmp/ctj-bench/bin:$PATH python3 bench/bench_hcl.py

Not a test: timings depend on the machine; the script prints them and exits 0
(1 with --check when the median of the cold case, no parse cache, is over the budget).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 0.5


def run(args: list[str], env: dict, cwd: Path) -> float:
    t = time.perf_counter()
    out = subprocess.run(args, env=env, cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - t
    if out.returncode not in (0, 1):
        sys.exit(f"ctj-policy failed ({out.returncode}): {out.stderr.decode()[-400:]}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--tree", default="fixtures/terraform/stage1", help="the miniature incubator tree to copy")
    ap.add_argument(
        "--target",
        action="append",
        help="directory inside the tree to check (repeatable; default: the root and projects/civic-tech-jobs)",
    )
    ap.add_argument("--check", action="store_true", help="exit 1 when a cold (no parse cache) median exceeds the budget")
    opts = ap.parse_args()
    targets = opts.target or [".", "projects/civic-tech-jobs"]

    exe = shutil.which("ctj-policy")
    cmd = [exe] if exe else [sys.executable, "-m", "ctj_policy"]
    tmp = Path(tempfile.mkdtemp(prefix="ctj-bench-"))
    tree = tmp / "tree"
    shutil.copytree(ROOT / opts.tree, tree)  # whole tree: the project calls ../../modules/*
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "cache"), "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a normal install has its .pyc files
    env_nc = {**env, "CTJ_POLICY_NO_CACHE": "trees"}
    env_np = {**env, "CTJ_POLICY_NO_CACHE": "trees,parser"}
    edited = tree / "projects" / "civic-tech-jobs" / "environment-stage.tf"
    base = edited.read_text()

    first = run([*cmd, "check", str(tree), "--format", "json"], env, ROOT)  # grammar cache, parser pickle, .pyc
    over = False
    print(f"{' '.join(cmd)} check, fresh process each run, {opts.runs} runs; budget {BUDGET:.2f} s cold")
    print(f"  first run ever (grammar build, .pyc)   {first:6.3f} s")
    for rel in targets:
        args = [*cmd, "check", str(tree / rel), "--format", "json"]
        results: dict[str, list[float]] = {
            "cold: no parse cache": [],
            "cold, no parser pickle": [],
            "warm parse cache": [],
            "one file changed": [],
        }
        for i in range(opts.runs):
            results["cold: no parse cache"].append(run(args, env_nc, ROOT))
            results["cold, no parser pickle"].append(run(args, env_np, ROOT))
            results["warm parse cache"].append(run(args, env, ROOT))
            edited.write_text(base + f"\n# edit {time.time_ns()} {i}\n")
            results["one file changed"].append(run(args, env, ROOT))
            edited.write_text(base)
        print(f"{opts.tree}/{rel}".replace("/.", ""))
        for name, xs in results.items():
            print(f"  {name:<38} median {statistics.median(xs):6.3f} s   min {min(xs):6.3f} s   max {max(xs):6.3f} s")
        over = over or statistics.median(results["cold: no parse cache"]) > BUDGET

    base_py = [run([sys.executable, "-c", "pass"], env, ROOT) for _ in range(opts.runs)]
    print(f"python -c pass (interpreter start)       median {statistics.median(base_py):6.3f} s")
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if opts.check and over else 0


if __name__ == "__main__":
    raise SystemExit(main())
