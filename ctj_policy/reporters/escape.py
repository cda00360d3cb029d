"""Escaping shared by the reporters: control characters made visible, JSON written one way.

Input values (container names, messages quoting them, paths) may hold control
characters: ESC starts a terminal escape sequence, BEL rings, NUL truncates
some viewers, CR rewrites a CI log line, and the Unicode bidirectional
controls reorder what a reviewer sees ("trojan source").  No reporter passes
one through raw: :func:`visible` spells each as ``\\xNN`` / ``\\uNNNN``.
Newlines, carriage returns and tabs are left to each format (a table cell
turns a newline into ``<br>``, a workflow command into ``%0A``).
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 controls except TAB/LF/CR, DEL, C1 controls, and the bidirectional
# marks, embeddings, overrides and isolates
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _spell(m: re.Match) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: Any) -> str:
    """``text`` with every control character (TAB, LF and CR excepted) spelled out."""
    s = "" if text is None else str(text)
    return CONTROL.sub(_spell, s)


def dump_json(doc: Any) -> str:
    """The one JSON encoding of every JSON report: indent 2, UTF-8 kept readable,
    C1 and bidirectional controls as ``\\u`` escapes (json.dumps escapes C0 itself)."""
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
