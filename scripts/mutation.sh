#!/usr/bin/env bash
# Mutation testing with mutmut over the code that decides verdicts ([tool.mutmut] in pyproject.toml:
# ctj_policy/rules/, queries/, redact.py, model.py, engine.py).  Slow: NOT part of scripts/test.sh.
#
#   bash scripts/mutation.sh                      # every mutant (resumes: finished mutants are cached)
#   bash scripts/mutation.sh 'ctj_policy.rules.ctj022*'   # only the mutants whose names match
#
# Environment: MUTATION_DIR (scratch copy, default build/mutation), JOBS (parallel children, default 2),
# MUTATION_TIMEOUT (seconds, default none; the run stops and the partial result stays cached), NICE (10).
# The run works on a copy of the git-tracked files (with uncommitted edits and new files git does not ignore),
# so the checkout stays clean.
# Afterwards: the score is printed; `cd build/mutation && ../../.venv/bin/mutmut show <name>` shows a mutant.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${MUTATION_DIR:-$ROOT/build/mutation}
JOBS=${JOBS:-2}
NICE=${NICE:-10}

[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,mutation]'

mkdir -p "$WORK"
# refresh the copy (mutmut keeps its results under $WORK/mutants and re-runs what changed)
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$WORK"
cd "$WORK"

status=0
if [ -n "${MUTATION_TIMEOUT:-}" ]; then
  nice -n "$NICE" timeout --signal=INT "$MUTATION_TIMEOUT" "$ROOT/.venv/bin/mutmut" run --max-children "$JOBS" "$@" || status=$?
else
  nice -n "$NICE" "$ROOT/.venv/bin/mutmut" run --max-children "$JOBS" "$@" || status=$?
fi

"$ROOT/.venv/bin/mutmut" export-cicd-stats >/dev/null
"$ROOT/.venv/bin/python" - mutants/mutmut-cicd-stats.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
killed = s["killed"] + s.get("timeout", 0) + s.get("segfault", 0)
decided = killed + s["survived"] + s.get("suspicious", 0) + s.get("no_tests", 0)
print("mutmut:", ", ".join(f"{k} {v}" for k, v in s.items()))
if decided:
    print(f"score: killed {killed} of {decided} decided mutants = {killed / decided:.1%} "
          f"(no_tests count as survivors); not run yet: {s['total'] - decided - s.get('skipped', 0)}")
PY
echo "survivors: cd $WORK && $ROOT/.venv/bin/mutmut results; tables for docs/testing.md: $ROOT/.venv/bin/python $ROOT/scripts/mutation_table.py $WORK"
exit "$status"
