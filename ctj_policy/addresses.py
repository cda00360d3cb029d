"""Terraform addresses as text: instance keys and labels.  Standard library only."""

from __future__ import annotations

import re

# An instance key: ``[0]`` or ``["a.b"]`` (a JSON string: it may hold dots and brackets).  A pattern to embed.
INSTANCE_KEY = r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]'
_KEY_RE = re.compile(INSTANCE_KEY)
_LAST_KEY_RE = re.compile(f"(?:{INSTANCE_KEY})$")


def strip_index(address: str) -> str:
    """``aws_x.y[0]`` -> ``aws_x.y``; ``aws_x.y["a"]`` -> ``aws_x.y`` (the last instance key only)."""
    return _LAST_KEY_RE.sub("", address)


def unkeyed(address: str) -> str:
    """The address with every instance key dropped (as the plan's configuration names blocks):
    ``module.a["x.y"].module.b[0].aws_x.y`` -> ``module.a.module.b.aws_x.y``."""
    return _KEY_RE.sub("", address)


def address_labels(address: str) -> list[str]:
    """The dot-separated labels of an address, every instance key dropped:
    ``module.a["x.y"].aws_db_instance.this[0]`` -> ``["module", "a", "aws_db_instance", "this"]``."""
    return unkeyed(address).split(".")
