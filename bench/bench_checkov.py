#!/usr/bin/env python3
"""Benchmark: Checkov running the CTJ custom checks vs ctj-policy, on the same plan (SPEC section 7).

Side by side in one run, alternating, each in a fresh process, --repeat times:

  a) ctj-policy check PLAN --format json
  b) ctj-policy checkov --checkov CHECKOV -- -f PLAN --framework terraform_plan --check CKV_CTJ_* -o json
     (Checkov from --checkov, default .venv-checkov/bin/checkov of this repository, named explicitly:
     `ctj-policy checkov` never looks in the current directory; the offline flags and the packaged
     checks directory are added by the one-liner)

Prints the best wall time of each and the ratio Checkov / ctj-policy.  There is
no target for the ratio: SPEC asks for it to be reported.  Needs a Checkov
(`bash scripts/test.sh` creates .venv-checkov; or --checkov PATH).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLAN = ROOT / "fixtures" / "plans" / "whole-account.json"
DEFAULT_CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.decode()[-600:]}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("plan", nargs="?", default=str(DEFAULT_PLAN))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--checkov", default=str(DEFAULT_CHECKOV), help="the checkov executable (default: %(default)s)")
    args = ap.parse_args()
    if not Path(args.checkov).is_file():
        sys.exit(f"no checkov at {args.checkov}: run `bash scripts/test.sh` (or see docs/checkov.md) first")

    plan = str(Path(args.plan).resolve())
    ours = [sys.executable, "-m", "ctj_policy", "check", plan, "--format", "json"]
    theirs = [
        sys.executable, "-m", "ctj_policy", "checkov", "--checkov", args.checkov, "--",
        "-f", plan, "--framework", "terraform_plan", "--check", "CKV_CTJ_*", "-o", "json",
    ]  # fmt: skip
    a, b = [], []
    for _ in range(args.repeat):
        a.append(wall(ours))
        b.append(wall(theirs))
    print(f"plan: {args.plan} ({Path(plan).stat().st_size / 1e6:.2f} MB)")
    print(f"ctj-policy check     best {min(a):.2f} s  (runs: {', '.join(f'{x:.2f}' for x in a)})")
    print(f"checkov (CKV_CTJ_*)  best {min(b):.2f} s  (runs: {', '.join(f'{x:.2f}' for x in b)})")
    print(f"ratio checkov / ctj-policy: {min(b) / min(a):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
