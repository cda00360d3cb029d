"""The errors every layer may raise: the bottom of the package (imports nothing from ctj_policy).

Each one means exit 2 with a one-line reason (SPEC section 5).  Their
messages are shown to the user as they are, so they are one line and never
hold a secret or the input's contents.
"""

from __future__ import annotations


class CtjPolicyError(Exception):
    """A usage or input problem (exit 2); the message is one line and never holds a secret."""


class InputError(CtjPolicyError):
    """The input (a plan, a .tf tree, a path) cannot be used."""


class ConfigError(CtjPolicyError):
    """A configuration file is unreadable or holds a bad value."""


class LimitError(InputError):
    """The input is larger or deeper than ctj-policy is set to read (see ``ctj_policy.limits``)."""


__all__ = ["CtjPolicyError", "InputError", "ConfigError", "LimitError"]
