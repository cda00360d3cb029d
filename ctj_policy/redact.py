"""Redaction of secret values from everything the tool prints.  Standard library only."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from .model import Result

MASK = "(redacted)"
MIN_LEN = 4  # shorter strings are too common to redact safely (and too short to be secrets)


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()):
        # longest first so a secret containing another is masked whole
        self.secrets = sorted({s for s in secrets if isinstance(s, str) and len(s) >= MIN_LEN}, key=len, reverse=True)

    def text(self, text: str | None) -> str | None:
        if not text or not self.secrets:
            return text
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def result(self, result: Result) -> Result:
        if not self.secrets:
            return result
        return replace(
            result,
            message=self.text(result.message),
            address=self.text(result.address),
            waiver_reason=self.text(result.waiver_reason),
        )
