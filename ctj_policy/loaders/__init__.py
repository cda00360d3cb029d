"""Loaders: turn an input (plan JSON, HCL directory, Checkov conf) into the model.

Loaders know nothing of rules.
"""

from __future__ import annotations


class InputError(Exception):
    """The input cannot be used (exit 2).  The message is one line and never holds a secret."""
