"""Inline waivers in ``.tf`` sources (SPEC section 6).  Standard library only.

    # ctj-policy:ignore CTJ026 reason="one writer by design; see ADR 12" expires=2027-01-31
    module "civic_tech_jobs_stage_service" {

The comment goes on the line(s) directly above a ``resource``, ``data`` or
``module`` block (other comment lines may sit between them, a blank line may
not).  It waives the listed rule(s) for findings on that block's address and
everything inside it (a module call covers the resources of the module).
Several rules may be listed, separated by commas.  ``reason`` is required;
``expires`` (YYYY-MM-DD) is optional; after that date the waiver stops
applying and is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .config import WaiverSpec, parse_expiry
from .errors import InputError

MARKER = "ctj-policy:ignore"
_COMMENT_RE = re.compile(r"^\s*(?:#|//)\s*ctj-policy:ignore\b(?P<rest>.*)$")
_BLOCK_RE = re.compile(r"^\s*(resource|data|module)\b")
# a heredoc opener ends its line: `x = <<EOT`, `<<-EOT` (after =, (, [, , or :); its text is a string, not comments
_HEREDOC_RE = re.compile(r"(?:^|[=(\[,:])\s*<<-?([A-Za-z_][A-Za-z0-9_-]*)\s*$")
_RULE_RE = re.compile(r"^(CTJ\d{3}|\*|CTJ\*)$")
_KV_RE = re.compile(r'\s*(?P<key>[a-zA-Z_]+)\s*=\s*(?:"(?P<q>(?:[^"\\]|\\.)*)"|(?P<bare>\S+))')


class WaiverSyntaxError(InputError, ValueError):
    """A malformed inline waiver (exit 2); the message starts with ``file:line``."""


@dataclass(frozen=True)
class InlineWaiver:
    rules: tuple[str, ...]
    reason: str
    expires: str | None
    file: str
    line: int  # the comment's line
    block_line: int  # the annotated block's first line


def parse_comment(rest: str, where: str) -> tuple[tuple[str, ...], str, str | None]:
    """Parse what follows the marker: ``CTJ026[,CTJ027] reason="..." expires=YYYY-MM-DD``."""
    rest = rest.strip()
    m = re.match(r"(?P<rules>[^\s=]+)(?:\s+|$)", rest)
    if not m or "=" in m.group("rules"):
        raise WaiverSyntaxError(f"{where}: ctj-policy:ignore needs a rule id (e.g. CTJ026)")
    rules = tuple(r.strip().upper() for r in m.group("rules").split(",") if r.strip())
    for r in rules:
        if not _RULE_RE.match(r):
            raise WaiverSyntaxError(f"{where}: {r!r} is not a rule id (CTJnnn)")
    pos = m.end()
    fields: dict[str, str] = {}
    while pos < len(rest):
        kv = _KV_RE.match(rest, pos)
        if not kv:
            raise WaiverSyntaxError(f"{where}: cannot read {rest[pos:].strip()!r} (expected key=\"value\")")
        key = kv.group("key").lower()
        value = kv.group("q") if kv.group("q") is not None else kv.group("bare")
        if kv.group("q") is not None:
            value = re.sub(r"\\(.)", r"\1", value)
        if key not in ("reason", "expires"):
            raise WaiverSyntaxError(f"{where}: unknown waiver field {key!r} (known: reason, expires)")
        fields[key] = value
        pos = kv.end()
    reason = (fields.get("reason") or "").strip()
    if not reason:
        raise WaiverSyntaxError(f'{where}: a waiver needs a reason: reason="..."')
    expires = fields.get("expires")
    if expires is not None and parse_expiry(expires) is None:
        raise WaiverSyntaxError(f"{where}: expires must be a date YYYY-MM-DD, got {expires!r}")
    return rules, reason, expires


def scan_text(text_lines: list[str], file: str) -> list[InlineWaiver]:
    """Every inline waiver of one file, attached to the block below it.

    Lines inside a heredoc (``<<EOT`` ... ``EOT``) are string text: a line
    there that looks like a waiver comment is not one.
    """
    out: list[InlineWaiver] = []
    pending: list[tuple[int, tuple, str, str | None]] = []
    heredoc: str | None = None
    for i, line in enumerate(text_lines, 1):
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        if "<<" in line and not line.lstrip().startswith(("#", "//", "/*")):
            opener = _HEREDOC_RE.search(line)
            if opener:
                heredoc = opener.group(1)
        m = _COMMENT_RE.match(line)
        if m:
            rules, reason, expires = parse_comment(m.group("rest"), f"{file}:{i}")
            pending.append((i, rules, reason, expires))
            continue
        stripped = line.strip()
        if not pending:
            continue
        if stripped.startswith("#") or stripped.startswith("//"):
            continue  # another comment between the waiver and its block
        if _BLOCK_RE.match(line):
            for (ln, rules, reason, expires) in pending:
                out.append(InlineWaiver(rules, reason, expires, file, ln, i))
            pending = []
            continue
        ln = pending[0][0]
        raise WaiverSyntaxError(
            f"{file}:{ln}: a ctj-policy:ignore comment must sit directly above a resource, data or module block"
        )
    if pending:
        raise WaiverSyntaxError(
            f"{file}:{pending[0][0]}: a ctj-policy:ignore comment must sit directly above a resource, data or module block"
        )
    return out


def glob_escape(address: str) -> str:
    """An address as an fnmatch pattern matching itself (``[`` is special in globs)."""
    return re.sub(r"([\[\]*?])", r"[\1]", address)


def to_specs(waiver: InlineWaiver, address: str, has_instances: bool) -> list[WaiverSpec]:
    """WaiverSpecs for the engine: one per rule, on the block's address (all its instances)."""
    pattern = glob_escape(address) + ("[[]*" if has_instances else "")
    return [
        WaiverSpec(rule=r, address=pattern, reason=waiver.reason, expires=waiver.expires, origin=f"{waiver.file}:{waiver.line}")
        for r in waiver.rules
    ]
