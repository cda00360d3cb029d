"""Values for the questions: integers, collections, and what is not known about a value.  Standard library only."""

from __future__ import annotations

from typing import Any

from ..model import KNOWN_AFTER_APPLY, Ref, Template, Unknown

SOURCE_DIR_HINT = "re-run with --source-dir terraform/ to evaluate it from the sources"


def explain_unknown(value: Any) -> str:
    """What is not known about ``value`` and, when it helps, how to supply it."""
    if isinstance(value, Unknown):
        text = value.describe()
        if value.reason == KNOWN_AFTER_APPLY and "--source-dir" not in value.detail:
            text += f"; {SOURCE_DIR_HINT}"
        return text
    if isinstance(value, Template):
        for part in value.parts:
            if isinstance(part, Unknown):
                return explain_unknown(part)
        return f"{value.describe()} is known only after apply"
    if isinstance(value, Ref):
        return f"{value.describe()} is known only after apply"
    return "value is not known"


def as_int(value: Any) -> int | None:
    """5432, "5432", 5432.0 -> 5432; anything else (incl. unknowns) -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = value.strip().lstrip("+-") if isinstance(value, str) else ""
    if text.isdigit() and text.isascii() and len(text) < 100:  # ASCII digits only: "²".isdigit() too
        return int(value.strip())
    return None


def items(value: Any) -> tuple:
    """A model collection as a tuple (an Unknown must be checked before calling)."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return ()
