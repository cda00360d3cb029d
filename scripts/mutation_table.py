"""Print the mutation score tables of docs/testing.md from a finished `scripts/mutation.sh` run, and check
that docs/testing.md explains exactly the survivors.

    .venv/bin/python scripts/mutation_table.py [build/mutation]

Exit 1 when a survivor is not in the doc's list of equivalent survivors, or the list names a mutant that no
longer survives (a line there: ``- `ctj_policy/x.py` `x_f__mutmut_3`, `_4`: why``).

Reads mutmut's per-file results (``mutants/**/*.py.meta``) with mutmut's own reading of exit codes.  Killed
counts timeouts and segfaults (the mutant broke the run); survivors, "no tests" and "suspicious" count against the
score; mutants not run yet are reported and make the tables provisional.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "timeout", "segfault", "caught by type check"}
NOT_DECIDED = {"not checked", "skipped", "check was interrupted by user"}
PARTS = ("ctj_policy/rules/", "ctj_policy/queries/")
DOC = Path(__file__).resolve().parent.parent / "docs" / "testing.md"
EQUIVALENT = "#### Equivalent survivors"


def tally(root: Path) -> tuple[dict[str, Counter], list[tuple[str, str]]]:
    """{source file: Counter of statuses}, and every (mutant, status) that is not killed."""
    files: dict[str, Counter] = {}
    open_ones: list[tuple[str, str]] = []
    mutants = root / "mutants"
    for meta in sorted(mutants.rglob("*.py.meta")):
        source = meta.relative_to(mutants).as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        counts = files.setdefault(source, Counter())
        for name, code in codes.items():
            status = status_by_exit_code[code]
            counts[status] += 1
            if status not in KILLED:
                open_ones.append((name, status))
    return files, open_ones


def row(label: str, counts: Counter) -> str:
    killed = sum(counts[s] for s in KILLED)
    decided = sum(n for s, n in counts.items() if s not in NOT_DECIDED)
    score = f"{killed / decided:.1%}" if decided else "-"
    return f"| `{label}` | {killed:,} | {decided:,} | {score} |"


def part_of(source: str) -> str:
    return next((p for p in PARTS if source.startswith(p)), source)


def documented(doc: str) -> set[str]:
    """The mutant names the doc's list of equivalent survivors explains."""
    names: set[str] = set()
    section = doc.split(EQUIVALENT, 1)[1] if EQUIVALENT in doc else ""
    section = section.split("\n#", 1)[0]
    for line in section.splitlines():
        m = re.match(r"- `(ctj_policy/[^`]+)\.py` (.*?): ", line)
        if not m:
            continue
        module, base = m.group(1).replace("/", "."), None
        for token in re.findall(r"`([^`]+)`", m.group(2)):
            if token.startswith("x"):
                names.add(f"{module}.{token}")
                base = token.rsplit("__mutmut_", 1)[0]
            elif base and token.startswith("_") and token[1:].isdigit():
                names.add(f"{module}.{base}__mutmut_{token[1:]}")
    return names


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "build/mutation")
    if not (root / "mutants").is_dir():
        print(f"error: no mutmut results under {root}/mutants: run `bash scripts/mutation.sh` first", file=sys.stderr)
        return 2
    files, open_ones = tally(root)
    total = sum(files.values(), Counter())
    head = "| part | killed | mutants | score |\n|---|---:|---:|---:|"
    parts: dict[str, Counter] = {}
    for source, counts in files.items():
        parts.setdefault(part_of(source), Counter()).update(counts)
    print(row("all", total).replace("`all`", "all"))
    print()
    print(head)
    for part in sorted(parts, key=lambda p: (p not in PARTS, PARTS.index(p) if p in PARTS else 0, p)):
        print(row(part, parts[part]))
    print()
    print(head.replace("| part |", "| file |"))
    for source in sorted(files):
        print(row(source, files[source]))
    print()
    undecided = sum(total[s] for s in NOT_DECIDED)
    if undecided:
        print(f"provisional: {undecided} mutants not run yet")
    survivors = {name for name, status in open_ones if status not in NOT_DECIDED}
    explained = documented(DOC.read_text(encoding="utf-8"))
    for name, status in sorted(open_ones):
        if status not in NOT_DECIDED:
            print(f"{status}: {name}" + ("" if name in explained else "  (not explained in docs/testing.md)"))
    stale = sorted(explained - survivors)
    for name in stale:
        print(f"explained in docs/testing.md but no longer surviving: {name}")
    return 1 if stale or survivors - explained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
