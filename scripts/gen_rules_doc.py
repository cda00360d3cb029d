#!/usr/bin/env python3
"""Write docs/rules.md from the rules themselves (ID, title, severity, rationale, remediation).

    python3 scripts/gen_rules_doc.py          # rewrite docs/rules.md
    python3 scripts/gen_rules_doc.py --check  # exit 1 when docs/rules.md is stale (used by the tests)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ctj_policy.rules import ALL_RULES  # noqa: E402

DOC = ROOT / "docs" / "rules.md"


def render() -> str:
    out = [
        "# Rules",
        "",
        "Generated from `ctj_policy/rules/` by `scripts/gen_rules_doc.py`; `ctj-policy explain ID` prints the same text.",
        "Rule IDs are stable: they only ever grow.",
        "",
        "| ID | severity | title |",
        "|---|---|---|",
    ]
    out += [f"| [{r.id}](#{r.id.lower()}) | {r.severity} | {r.title} |" for r in ALL_RULES]
    for r in ALL_RULES:
        out += ["", f"## {r.id}", "", f"**{r.title}** ({r.severity})", "", "**Why.** " + r.rationale, "", "**How to fix.** " + r.remediation]
    return "\n".join(out) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if not DOC.is_file() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is stale: run python3 scripts/gen_rules_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
