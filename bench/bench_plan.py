#!/usr/bin/env python3
"""Benchmark: ctj-policy on a large whole-account plan vs json.load (SPEC section 7).

Builds a plan of about --size-mb MB from fixtures/plans/whole-account.json by
cloning the other projects' modules (the CTJ module stays as it is), then runs,
side by side in one run and alternating:

  a) python -c "json.load(...)"                 (the baseline)
  b) python -m ctj_policy check BIG --format json (the tool, whole CLI)

each --repeat times in fresh processes, and reports the best wall time of each,
their ratio (target <= 1.5) and the tool's peak RSS against the target
(4 x file size + 60 MB).  Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "fixtures" / "plans" / "whole-account.json"
CTJ = "civic-tech-jobs"


def _rename(obj, old: str, new: str):
    text = json.dumps(obj)
    return json.loads(text.replace(f"module.{old}.", f"module.{new}.").replace(f'"module.{old}"', f'"module.{new}"'))


def build_big_plan(base: dict, size_mb: float) -> dict:
    plan = copy.deepcopy(base)
    others = [
        name
        for name in plan["configuration"]["root_module"].get("module_calls", {})
        if name != CTJ
    ]
    if not others:
        raise SystemExit("the base plan has no other projects to clone")
    rcs = [rc for rc in base["resource_changes"] if any(rc["address"].startswith(f"module.{o}.") for o in others)]
    children = [m for m in base["planned_values"]["root_module"].get("child_modules", []) if m["address"] in {f"module.{o}" for o in others}]
    calls = {o: base["configuration"]["root_module"]["module_calls"][o] for o in others}
    per_copy = len(json.dumps(rcs)) + len(json.dumps(children)) + len(json.dumps(calls))
    copies = max(1, int(size_mb * 1e6 / max(per_copy, 1)))
    for n in range(copies):
        for o in others:
            new = f"{o}-copy{n}"
            plan["resource_changes"].extend(
                _rename(rc, o, new) for rc in rcs if rc["address"].startswith(f"module.{o}.")
            )
            plan["planned_values"]["root_module"].setdefault("child_modules", []).extend(
                _rename(m, o, new) for m in children if m["address"] == f"module.{o}"
            )
            plan["configuration"]["root_module"]["module_calls"][new] = calls[o]
    return plan


def run(cmd: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS bytes, exit code) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr.read().decode())
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss * 1024, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=float, default=50.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="write the big plan here and keep it")
    ap.add_argument("--generate-only", metavar="OUT", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.generate_only:
        big = build_big_plan(json.loads(BASE.read_text()), args.size_mb)
        Path(args.generate_only).write_text(json.dumps(big))  # compact, as terraform show -json prints it
        print(len(big["resource_changes"]))
        return 0

    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp()) / "big-plan.json"
    # generated in a child process: the children measured below are forked from
    # this one, and a large parent would inflate their peak RSS
    count = subprocess.run(
        [sys.executable, __file__, "--size-mb", str(args.size_mb), "--generate-only", str(out)],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    size = out.stat().st_size
    print(f"plan: {out} {size / 1e6:.1f} MB, {count} resource changes")

    baseline_cmd = [sys.executable, "-c", "import json,sys; json.load(open(sys.argv[1], encoding='utf-8'))", str(out)]
    tool_cmd = [sys.executable, "-m", "ctj_policy", "check", str(out), "--format", "json"]
    base_times, base_rss, tool_times, tool_rss = [], [], [], []
    for _ in range(args.repeat):
        t, rss, _ = run(baseline_cmd)
        base_times.append(t)
        base_rss.append(rss)
        t, rss, code = run(tool_cmd)
        tool_times.append(t)
        tool_rss.append(rss)
    b, t = min(base_times), min(tool_times)
    ratio = t / b
    rss = max(tool_rss)
    budget = 4 * size + 60e6
    print(f"json.load     best {b:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in base_times)})")
    print(f"ctj-policy    best {t:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in tool_times)}) exit {code}")
    print(f"time ratio    {ratio:.2f}x (target <= 1.50x)")
    print(f"peak RSS      {rss / 1e6:.0f} MB (target <= {budget / 1e6:.0f} MB = 4 x file + 60 MB; json.load alone: {max(base_rss) / 1e6:.0f} MB)")
    if not args.keep:
        out.unlink()
    ok = ratio <= 1.5 and rss <= budget
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
