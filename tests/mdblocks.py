"""Fenced code blocks of the Markdown docs, with the directive comment that may precede each.

Directives (an HTML comment on the line before the fence, invisible on GitHub):

- ``<!-- not-run: REASON -->``: tests/test_docs.py does not run this block and reports it as skipped
  with REASON (needs terraform, AWS, GitHub, ...).
- ``<!-- run: KEY=VALUE ... -->``: how to run it: ``in=repo`` (default: a copy of this checkout) or
  ``in=incubator`` (a git repository holding the real incubator tree, ``../shared/incubator``),
  ``exit=N`` (the exit code the block ends with; default 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_DIRECTIVE = re.compile(r"^\s*<!--\s*(?P<kind>not-run|run)\s*:?\s*(?P<rest>.*?)\s*-->\s*$")


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    kind: str = ""  # "", "run" or "not-run"
    reason: str = ""
    options: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.path.name}:{self.line}"


def blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group("indent"), m.group("fence"), m.group("info").strip()
        j = i + 1
        while j < len(lines) and not re.match(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[j]):
            j += 1
        body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1 : j]]
        block = Block(path, i + 1, info.split()[0].lower() if info else "", "\n".join(body) + "\n")
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        d = _DIRECTIVE.match(lines[k]) if k >= 0 else None
        if d:
            block.kind = d.group("kind")
            if block.kind == "not-run":
                block.reason = d.group("rest")
            else:
                block.options = dict(kv.split("=", 1) for kv in d.group("rest").split())
        out.append(block)
        i = j + 1
    return out
