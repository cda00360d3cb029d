#!/usr/bin/env python3
"""Benchmark: the Markdown report against the text report on plans with many target-group rules.

Builds fixtures/plans/stage1-project.json plus N listener rules (one block,
``count = N``), each forwarding to its own target group on port 5432 (so
CTJ012 fails N times), for each N in --sizes; runs, in fresh processes,

  a) ctj-policy check PLAN --format text
  b) ctj-policy check PLAN --format markdown

--repeat times each and reports the best wall times, their ratio, and the
Markdown report's size.  Targets: the Markdown report stays under GitHub's
65,536-character comment limit, and its time grows with N like the text
report's (the ratio stays under --max-ratio).  Exit status 1 when missed.

(Both runs pay the rules' cost; a listener rule's target group is resolved
by ``Deployment.resolve``, which scans the target groups, in the rules and in
the diagram alike.)
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "fixtures" / "plans" / "stage1-project.json"
LIMIT = 65536


def build_plan(n: int) -> dict:
    doc = json.loads(BASE.read_text())
    rcs = doc["resource_changes"]
    rule = next(r for r in rcs if r["address"].endswith("aws_lb_listener_rule.admin"))
    tg = next(r for r in rcs if r["address"].endswith("aws_lb_target_group.backend"))
    for i in range(n):
        arn = f"arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/extra-{i}/{i:016x}"
        t = copy.deepcopy(tg)
        t.update(address=f"{tg['module_address']}.aws_lb_target_group.extra[{i}]", name="extra", index=i)
        for key in ("before", "after"):
            t["change"][key].update(arn=arn, id=arn, name=f"extra-{i}", port=5432)
        r = copy.deepcopy(rule)
        r.update(address=f"{rule['module_address']}.aws_lb_listener_rule.extra[{i}]", name="extra", index=i)
        for key in ("before", "after"):
            r["change"][key]["action"][0]["target_group_arn"] = arn
            r["change"][key]["priority"] = 1000 + i
            r["change"][key]["condition"][0]["path_pattern"][0]["values"] = [f"/x{i}/*"]
        rcs += [t, r]
    return doc


def run(plan: Path, fmt: str, repeat: int) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "ctj_policy", "check", str(plan), "--format", fmt], capture_output=True, cwd=ROOT
        )
        best = min(best, time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"ctj-policy exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
        size = len(proc.stdout.decode())
    return best, size


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="300,1000,3000", help="listener rules to add, comma-separated")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--max-ratio", type=float, default=3.0, help="markdown time / text time, at most")
    args = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'rules':>6} {'text s':>8} {'markdown s':>11} {'ratio':>6} {'markdown chars':>15}")
        for n in (int(x) for x in args.sizes.split(",")):
            plan = Path(tmp) / f"plan-{n}.json"
            plan.write_text(json.dumps(build_plan(n)))
            t_text, _ = run(plan, "text", args.repeat)
            t_md, size = run(plan, "markdown", args.repeat)
            ratio = t_md / t_text
            miss = size > LIMIT or ratio > args.max_ratio
            ok &= not miss
            print(f"{n:>6} {t_text:>8.2f} {t_md:>11.2f} {ratio:>6.2f} {size:>15,}{'  MISSED' if miss else ''}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
