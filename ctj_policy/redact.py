"""Redaction of secret values from everything the tool prints.  Standard library only.

A :class:`Redactor` holds the strings that must never be printed (a
deployment's ``redact`` set: values the input marks sensitive, values of
secret-looking variables).  It masks each of them, and the forms a message or
a report format turns them into:

* quoted or escaped: ``repr()``/``ascii()`` (backslashes doubled, quotes and
  control characters escaped), ``json.dumps`` (with and without
  ``ensure_ascii``), a plain backslash-doubling, and those forms nested twice
  (a ``repr`` of a message that already holds a ``repr``);
* escaped by an output format (a Markdown table cell, a Mermaid label, a
  GitHub workflow command): the reporter names its escape functions and
  :meth:`Redactor.text` applies each to every form.

Every occurrence of every form is found, overlapping ones included, and each
run of text covered by at least one occurrence is replaced by one ``MASK``:
two overlapping secrets never leave a part of either, a secret containing a
shorter one is masked whole (never ``(redacted)-LONGER-SECRET``), and the
result does not depend on set order or ``PYTHONHASHSEED`` (forms are sorted by
length, then text).

Where redaction happens (one Redactor per evaluated deployment):

* ``engine.evaluate`` passes every Result through :meth:`Redactor.result`
  when it stamps them (message, address, title, location files, waiver
  reason, subject): a Result never holds a secret, whoever reads it;
* ``reporters.render`` -- the one function every output format goes through --
  hands the report's Redactor to the reporter for text it derives from the
  deployment itself (the Markdown diagram's labels, redacted before any
  shortening), then makes a final pass over the rendered output with the
  format's escapes (:meth:`Redactor.output`).  The final pass parses JSON
  and XML output and redacts their string values only, so a secret that
  happens to equal ``null`` or a tag name cannot break the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from .model import Location, Result, Subject

MASK = "(redacted)"
MIN_LEN = 4  # shorter strings are too common to redact safely (and too short to be secrets)
_CHUNK = 200  # forms per regular expression when one trie of all of them nests too deep

Escape = Callable[[str], str]


def _quoted_forms(secret: str) -> set[str]:
    """``secret`` as the ways of quoting or escaping a string print it (inner text, no quotes)."""

    def once(s: str) -> set[str]:
        out = {
            repr(s)[1:-1],
            ascii(s)[1:-1],
            json.dumps(s)[1:-1],
            json.dumps(s, ensure_ascii=False)[1:-1],
            s.replace("\\", "\\\\"),
        }
        # the quote character escaped depends on the whole string being quoted
        out |= {f.replace("'", "\\'") for f in out} | {f.replace('"', '\\"') for f in out}
        return out

    level1 = once(secret)
    forms = {secret} | level1
    for f in level1:
        if f != secret:
            forms |= once(f)
    return forms


def _trie(words: list[str], depth: int) -> str:
    """A regular expression for sorted, distinct ``words`` that all share ``words[0][:depth]``:
    a trie, longer continuations before the end of a shorter word (the longest match wins)."""
    ends_here = len(words[0]) == depth  # sorted: a word equal to the shared prefix comes first
    rest = words[1:] if ends_here else words
    branches: list[str] = []
    i = 0
    while i < len(rest):
        ch = rest[i][depth]
        j = i + 1
        while j < len(rest) and rest[j][depth] == ch:
            j += 1
        first, last = rest[i], rest[j - 1]  # sorted: their common prefix is the group's
        k = depth + 1
        # k < len(last) too: sorted and distinct, ``last`` is never a proper prefix of ``first``
        while k < len(first) and first[k] == last[k]:
            k += 1
        branches.append(re.escape(first[depth:k]) + _trie(rest[i:j], k))
        i = j
    if not branches:  # one word, ending here
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends_here else body


class Redactor:
    """Masks a fixed set of secrets, and their quoted and escaped forms, in text."""

    def __init__(self, secrets: Iterable[Any] = ()):
        kept = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_LEN and s.strip()}
        # longest first, then by text: a stable order whatever the set's iteration order
        self.secrets: list[str] = sorted(kept, key=lambda s: (-len(s), s))
        forms: set[str] = set()
        for s in self.secrets:
            forms |= _quoted_forms(s)
        self._forms = frozenset(forms)
        self._patterns: dict[tuple, list[re.Pattern]] = {}

    def __bool__(self) -> bool:
        return bool(self.secrets)

    # -- matching ----------------------------------------------------------

    def _pattern(self, escapes: tuple[Escape, ...]) -> list[re.Pattern]:
        """Regular expressions that together match every form: one trie when it compiles (a
        scan then costs about the same whatever the number of secrets), else tries of at most
        ``_CHUNK`` forms (thousands of secrets each the prefix of the next nest too deep)."""
        if escapes not in self._patterns:
            forms = set(self._forms)
            for escape in escapes:
                forms |= {escape(f) for f in self._forms}
            forms.discard("")
            ordered = sorted(forms)
            try:
                patterns = [re.compile(_trie(ordered, 0))] if ordered else []
            except (RecursionError, re.error, OverflowError):
                patterns = [re.compile(_trie(ordered[i : i + _CHUNK], 0)) for i in range(0, len(ordered), _CHUNK)]
            self._patterns[escapes] = patterns
        return self._patterns[escapes]

    def spans(self, text: str, escapes: tuple[Escape, ...] = ()) -> list[tuple[int, int]]:
        """The runs of ``text`` covered by some form of some secret (merged, in order)."""
        patterns = self._pattern(escapes)
        found: list[tuple[int, int]] = []
        for pattern in patterns:
            search = pattern.search
            m = search(text)
            # the longest form at each position where one starts; a match always starts before the end (a form
            # is never empty): the bound only guarantees the loop ends whatever the pattern
            while m is not None and m.start() < len(text):
                found.append(m.span())
                m = search(text, m.start() + 1)  # the next may start inside this one (overlapping secrets)
        found.sort()  # several patterns: matches of a later one may come first (one: already in order)
        out: list[tuple[int, int]] = []
        for start, end in found:
            if out and start <= out[-1][1]:  # overlapping or touching: one run
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
        return out

    def text(self, text: Any, escapes: tuple[Escape, ...] = ()) -> Any:
        """``text`` with every occurrence of a secret (any form) replaced by ``MASK``; non-strings unchanged."""
        if not isinstance(text, str):
            return text
        spans = self.spans(text, escapes)
        if not spans:
            return text
        parts: list[str] = []
        last = 0
        for start, end in spans:
            parts.append(text[last:start])
            parts.append(MASK)
            last = end
        parts.append(text[last:])
        return "".join(parts)

    # -- structured values ------------------------------------------------------

    def location(self, loc: Location | None) -> Location | None:
        if loc is None or not self.secrets:
            return loc
        return replace(
            loc, file=self.text(loc.file), call_site=self.location(loc.call_site), module=self.text(loc.module)
        )

    def subject(self, subject: Subject | None) -> Subject | None:
        if subject is None or not self.secrets:
            return subject
        return replace(subject, name=self.text(subject.name), container=self.text(subject.container))

    def result(self, result: Result) -> Result:
        """Every text field of a Result, redacted."""
        if not self.secrets:
            return result
        return replace(
            result,
            title=self.text(result.title),
            message=self.text(result.message),
            address=self.text(result.address),
            location=self.location(result.location),
            waiver_reason=self.text(result.waiver_reason),
            subject=self.subject(result.subject),
        )

    def value(self, value: Any, escapes: tuple[Escape, ...] = ()) -> Any:
        """A decoded JSON value with every string (keys excepted) redacted."""
        if isinstance(value, str):
            return self.text(value, escapes)
        if isinstance(value, list):
            return [self.value(v, escapes) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v, escapes) for k, v in value.items()}
        return value

    # -- rendered output ----------------------------------------------------------

    def output(
        self,
        rendered: str,
        kind: str,
        escapes: tuple[Escape, ...] = (),
        dump: Callable[[Any], str] | None = None,
        dump_xml: Callable[[Any], str] | None = None,
    ) -> str:
        """The final pass over a rendered report.

        ``kind`` "json": the document is decoded, its string values redacted
        and ``dump`` re-encodes it; "xml": the same over an ElementTree
        (attribute values, text and tails) with ``dump_xml``; any other kind,
        or either without its dump: the text itself, matching the format's ``escapes`` of every form too.
        Output without any occurrence comes back unchanged (byte-identical).
        """
        if not self.spans(rendered, escapes):  # also: no secrets, or nothing rendered
            return rendered
        if kind == "json" and dump is not None:
            return dump(self.value(json.loads(rendered), escapes))
        if kind == "xml" and dump_xml is not None:
            import xml.etree.ElementTree as ET

            root = ET.fromstring(rendered)  # the XML declaration, if any, is dump_xml's to write again
            for el in root.iter():  # parsed: the values as the reporter set them, before XML escaping
                el.text = self.text(el.text, escapes)
                el.tail = self.text(el.tail, escapes)
                for key, val in list(el.attrib.items()):
                    el.attrib[key] = self.text(val, escapes)
            return dump_xml(root)
        return self.text(rendered, escapes)
