#!/usr/bin/env python3
"""Bench: what the workflow loader adds to a check (issue 12: under 50 ms).

Each run is a fresh interpreter, as a CI step or a pre-commit hook starts one.
Two programs, interleaved run by run so that machine noise hits both alike:

- ``check``: ``ctj-policy check fixtures/plans/stage1-project.json --format json``
  (through ``ctj_policy.cli.main``, in-process);
- ``check --workflow``: the same command with ``--workflow FILE`` (the largest
  fixture workflow, or ``--workflow FILE`` of this script): the import of PyYAML
  and of the loader modules, the load of the workflow and CTJ040-CTJ044.

The added cost is the difference of the medians, in wall time and in CPU time
(user + system of the child, from ``getrusage``).  On a shared machine the wall
time of a fresh process mostly measures the other processes; the CPU time does
not, so ``--check`` judges the CPU figure (on an idle machine the two agree).
The in-process time of one ``load_workflow`` call, after the imports, is
printed as well.

Usage: python3 bench/bench_workflow.py [--runs N] [--workflow FILE] [--check]

Not a test: timings depend on the machine; the script prints them and exits 0
(1 with --check when the added median is over the budget).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 0.050
PLAN = ROOT / "fixtures" / "plans" / "stage1-project.json"
NOT_WORKFLOWS = {"bad.yml", "not-a-workflow.yml"}

CHECK = """
import sys
from ctj_policy.cli import main
sys.argv = ["ctj-policy", "check", {plan!r}, "--format", "json", "--output", {out!r}, *{extra!r}]
try:
    main()
except SystemExit as exc:
    if exc.code not in (0, 1):
        raise
"""
IN_PROCESS = """
import time
from ctj_policy.loaders.workflow import load_workflow
load_workflow({workflow!r})  # imports, first parse
times = []
for _ in range(50):
    t = time.perf_counter()
    load_workflow({workflow!r})
    times.append(time.perf_counter() - t)
times.sort()
print(times[len(times) // 2])
"""


def run(code: str, env: dict) -> tuple[float, float]:
    """(wall, cpu) seconds of one fresh interpreter running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True)
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"bench program failed ({proc.returncode}): {proc.stderr.decode()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--workflow", help="workflow file to load (default: the largest fixture workflow)")
    ap.add_argument("--check", action="store_true", help="exit 1 when the added median exceeds the budget")
    opts = ap.parse_args()
    if opts.workflow:
        workflow = Path(opts.workflow).resolve()
    else:
        candidates = [p for p in (ROOT / "fixtures" / "workflows").glob("*.yml") if p.name not in NOT_WORKFLOWS]
        workflow = max(candidates, key=lambda p: p.stat().st_size)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a normal install has its .pyc files
    out = os.devnull
    check = CHECK.format(plan=str(PLAN), out=out, extra=[])
    with_workflow = CHECK.format(plan=str(PLAN), out=out, extra=["--workflow", str(workflow)])

    run(with_workflow, env)  # .pyc files, disk cache
    base, added = [], []
    for _ in range(opts.runs):
        base.append(run(check, env))
        added.append(run(with_workflow, env))
    in_process = float(subprocess.run(
        [sys.executable, "-c", IN_PROCESS.format(workflow=str(workflow))], env=env, cwd=ROOT, capture_output=True, text=True
    ).stdout.strip() or "nan")
    shown = workflow.relative_to(ROOT) if workflow.is_relative_to(ROOT) else workflow
    print(f"fresh process each run, {opts.runs} runs each, interleaved; budget {BUDGET * 1000:.0f} ms added (CPU)")
    print(f"  workflow: {shown} ({workflow.stat().st_size} bytes)")
    deltas = {}
    for i, what in enumerate(("wall", "CPU")):
        for name, runs in (("check", base), ("check --workflow", added)):
            xs = [r[i] * 1000 for r in runs]
            print(f"  {what:<4} {name:<18} median {statistics.median(xs):7.1f} ms   min {min(xs):7.1f} ms   max {max(xs):7.1f} ms")
        deltas[what] = statistics.median(r[i] for r in added) - statistics.median(r[i] for r in base)
    print(f"  added by the workflow loader (difference of medians): wall {deltas['wall'] * 1000:6.1f} ms, "
          f"CPU {deltas['CPU'] * 1000:6.1f} ms")
    print(f"  load_workflow alone, after the imports (in-process median): {in_process * 1000:6.2f} ms")
    delta = deltas["CPU"]
    return 1 if opts.check and delta > BUDGET else 0


if __name__ == "__main__":
    raise SystemExit(main())
