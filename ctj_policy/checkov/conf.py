"""Checkov's per-resource conf -> the model: a loader adapter over :mod:`ctj_policy.loaders.build`.

Standard library only, and nothing above the loaders: this runs INSIDE Checkov's
own virtual environment (python-hcl2 is not installed there and must not be).
It turns the one resource configuration Checkov hands a check into model
objects with the same builder the plan and HCL loaders use; where Checkov's
conf differs from theirs (list wrapping, omitted values, unevaluated text),
this adapter decides, never the builder.

Conf shapes (Checkov 3.x):

* both modes wrap every attribute in a list (``"network_mode": ["awsvpc"]``,
  lists of simple values twice: ``[["EC2"]]``); nested blocks are lists of
  such dicts; ``__address__`` is the resource's full address
  (``module.civic-tech-jobs.module.svc.aws_ecs_task_definition.task``).
* ``terraform_plan``: values come from ``planned_values``; an attribute known
  only after apply is ABSENT (or a bare module-relative reference such as
  ``"aws_lb_target_group.api.arn"``, or ``"true_after_unknown"`` under
  ``EVAL_TF_PLAN_AFTER_UNKNOWN``), ``null`` arrives as ``[None]``;
  ``container_definitions`` arrives JSON-decoded (a list of containers).
* ``terraform`` (HCL): unresolved references stay as bare strings
  (``"var.container_image"``) or templates (``"${local.db_name}"``);
  ``jsonencode(...)`` arrives evaluated and list-wrapped, or, when Checkov
  could not finish evaluating it, as the text ``"${jsonencode(<python
  literal>)}"``; unevaluated function calls stay as text (``"upper(x)"``).

Plan-mode checks do not build their model from the conf (:mod:`.plan` reads
the plan file); HCL-mode checks do (:mod:`.hcl`), and tests use it to compare
the builder's inputs.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from typing import Any

from ..loaders import build
from ..loaders.build import ALWAYS_SET, FOR_MESSAGES, PLAIN, known_or_ref, strings
from ..loaders.containers import parse_container_definitions
from ..model import KNOWN_AFTER_APPLY, NOT_EVALUATED, UNRESOLVED, Deployment, Ref, Template, Unknown

PLAN = "plan"
HCL = "hcl"

TRUE_AFTER_UNKNOWN = "true_after_unknown"  # checkov.common.util.consts

# --------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------

_MISSING = object()
_REF_RE = re.compile(
    r"^(?:module\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.)*"
    r"(?:(?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?"
    r"|module\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?"
    r"|var\.[A-Za-z_][\w-]*|local\.[A-Za-z_][\w-]*|each\.\w+|count\.index|self|[A-Za-z_][\w-]*\.value)"
    r"(?:\.[A-Za-z_][\w-]*|\[[^\]]*\])*$"
)
_CALL_RE = re.compile(r"^[a-z][a-z0-9_]*\(.*\)$", re.S)
_INTERP_RE = re.compile(r"\$\{([^{}]*)\}")


def module_prefix(address: str) -> str:
    """``module.a.module.b.aws_x.y`` -> ``module.a.module.b.`` ("" at the root)."""
    parts = re.findall(r"module\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.", address)
    prefix = ""
    for p in parts:
        if address.startswith(prefix + p):
            prefix += p
        else:
            break
    return prefix


class _Values:
    """Turns raw conf values into model values for one resource."""

    def __init__(self, address: str, mode: str, sensitive: Iterable[str] = ()):
        self.address = address
        self.mode = mode
        self.prefix = module_prefix(address)
        self.sensitive = sensitive  # the strings the plan marks sensitive (the conf does not say)

    def reference(self, text: str) -> Any:
        """A Terraform reference -> Ref (resource/module attribute) or Unknown (var/local/...)."""
        text = text.strip()
        head = text
        if head.startswith(("var.", "local.", "each.", "count.", "self")) or re.match(r"^[A-Za-z_][\w-]*\.value", head):
            return Unknown(UNRESOLVED, f"{self.address}: {text}", "Checkov did not evaluate this reference")
        segs = re.findall(r"[^.\[]+(?:\[[^\]]*\])?", text)
        # module.m[...] ... then type.name, then attribute
        i = 0
        mods = []
        while i + 1 < len(segs) and segs[i] == "module":
            mods.append("module." + segs[i + 1])
            i += 2
        rest = segs[i:]
        if not rest:  # a whole module (module.m)
            return Ref(self.prefix + ".".join(mods))
        if rest[0] == "data" and len(rest) >= 3:
            res, attr = ".".join(rest[:3]), ".".join(rest[3:])
        elif mods and "_" not in rest[0].split("[")[0]:
            # module output: module.m.out
            res, attr = "", ".".join(rest)
        elif len(rest) >= 2:
            res, attr = ".".join(rest[:2]), ".".join(rest[2:])
        else:
            res, attr = rest[0], ""
        base = ".".join(mods + ([res] if res else []))
        return Ref(self.prefix + base, attr)

    def string(self, text: str) -> Any:
        if text == TRUE_AFTER_UNKNOWN:
            return Unknown(KNOWN_AFTER_APPLY, self.address)
        if text.startswith("${jsonencode(") and text.endswith(")}"):
            return self._expression(text[2:-1])
        if self.mode == HCL or "${" in text:
            if text.startswith("${") and text.endswith("}") and _INTERP_RE.fullmatch(text):
                inner = text[2:-1]
                return self._expression(inner)
            if "${" in text:
                return self._template(text)
        if _REF_RE.match(text) and (self.mode == HCL or not _looks_literal(text)):
            return self.reference(text)
        if self.mode == HCL and _CALL_RE.match(text):
            return Unknown(NOT_EVALUATED, f"{self.address}: {text}", "Checkov did not evaluate this expression")
        return text

    def _expression(self, inner: str) -> Any:
        inner = inner.strip()
        if inner.startswith("jsonencode(") and inner.endswith(")"):
            try:
                return self.value(ast.literal_eval(inner[len("jsonencode(") : -1]))
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return Unknown(NOT_EVALUATED, f"{self.address}: jsonencode(...)", "Checkov did not evaluate it")
        if _REF_RE.match(inner):
            return self.reference(inner)
        return Unknown(NOT_EVALUATED, f"{self.address}: ${{{inner[:60]}}}", "Checkov did not evaluate this expression")

    def _template(self, text: str) -> Any:
        parts: list = []
        pos = 0
        for m in _INTERP_RE.finditer(text):
            if m.start() > pos:
                parts.append(text[pos : m.start()])
            parts.append(self._expression(m.group(1)))
            pos = m.end()
        if pos < len(text):
            parts.append(text[pos:])
        if len(parts) == 1 and not isinstance(parts[0], str):
            return parts[0]
        return Template(tuple(parts))

    def value(self, raw: Any) -> Any:
        """Recursively convert a JSON-like value (no list unwrapping)."""
        if isinstance(raw, str):
            return self.string(raw)
        if isinstance(raw, list):
            return [self.value(v) for v in raw]
        if isinstance(raw, tuple):
            return [self.value(v) for v in raw]
        if isinstance(raw, dict):
            return {k: self.value(v) for k, v in raw.items()}
        return raw


def _looks_literal(text: str) -> bool:
    """Plan mode: known values are literal; only Checkov's added references look like refs.

    A plan-mode string that is a valid reference AND names a resource type
    or var/local/module is taken as Checkov's reference; dotted literals
    such as ``stage.civictechjobs.org`` or ``10.0.0.0`` are not references
    because their first segment is no resource type.
    """
    first = text.split(".", 1)[0]
    return not (first in ("module", "var", "local", "data") or ("_" in first and first.islower()))


def _unwrap(value: Any) -> Any:
    """Checkov's list wrapping of a scalar: ``[x]`` -> x (repeatedly for ``[[x]]``)."""
    while isinstance(value, list) and len(value) == 1 and not isinstance(value[0], dict):
        value = value[0]
    return value


class _Conf:
    """Attribute access over one (possibly nested) conf dict: Checkov's
    :class:`~.build.ResourceView`.

    In plan mode a missing attribute the builder says is ``ALWAYS_SET`` is
    known only after apply (Checkov's plan conf leaves such values out); any
    other missing attribute is unset.
    """

    location = None

    def __init__(self, conf: dict, values: _Values, where: str):
        self.conf = conf if isinstance(conf, dict) else {}
        self.v = values
        self.where = where

    def _absent(self, hint: str) -> str:
        return "unknown" if hint == ALWAYS_SET else "unset"

    def get(self, name: str, hint: str = PLAIN) -> Any:
        return self.scalar(name, absent=self._absent(hint))

    def values(self, name: str, hint: str = PLAIN) -> Any:
        value = self.listed(name, absent=self._absent(hint))
        # Checkov's unevaluated text is not worth naming in a message
        return strings(value) if hint == FOR_MESSAGES else value

    def unknown(self, name: str = "", hint: str = PLAIN) -> Unknown | None:
        if name and hint == ALWAYS_SET and self.v.mode == PLAN and name not in self.conf:
            return Unknown(KNOWN_AFTER_APPLY, f"{self.where}.{name}")
        return None

    def self_ref(self, name: str) -> Any:
        return known_or_ref(self.scalar(name), self.v.address, name)

    def containers(self, where: str) -> Any:
        return _container_definitions(self, where, self.v.sensitive)

    def scalar(self, key: str, *, absent: str = "unset") -> Any:
        """A single value: known, None (unset), Ref/Template, or Unknown.

        ``absent``: what a missing key means: "unset" (HCL; plan mode for
        attributes whose absence means null) or "unknown".
        """
        raw = self.conf.get(key, _MISSING)
        if raw is _MISSING:
            if self.v.mode == PLAN and absent == "unknown":
                return Unknown(
                    KNOWN_AFTER_APPLY, f"{self.where}.{key}", "Checkov's plan conf omits values known only after apply"
                )
            return None
        return self.v.value(_unwrap(raw))

    def listed(self, key: str, *, absent: str = "unset") -> Any:
        """A list of simple values: tuple, () when unset, or an Unknown."""
        raw = self.conf.get(key, _MISSING)
        if raw is _MISSING:
            if self.v.mode == PLAN and absent == "unknown":
                return Unknown(KNOWN_AFTER_APPLY, f"{self.where}.{key}")
            return ()
        # [["a", "b"]] or ["a"] or [[["a"]]]
        while isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], list):
            raw = raw[0]
        if raw is None or raw == [None]:
            return ()
        val = self.v.value(raw if isinstance(raw, list) else [raw])
        if isinstance(val, list) and len(val) == 1 and isinstance(val[0], (Unknown, Ref, Template)):
            return (
                val[0]
                if isinstance(val[0], Unknown)
                else Unknown(UNRESOLVED, f"{self.where}.{key}", f"{val[0].describe()} is not known")
            )
        return tuple(val) if isinstance(val, list) else val

    def blocks(self, key: str) -> list[_Conf]:
        raw = self.conf.get(key)
        if isinstance(raw, dict):
            raw = [raw]
        if not isinstance(raw, list):
            return []
        out = []
        for i, b in enumerate(raw):
            if isinstance(b, list) and len(b) == 1 and isinstance(b[0], dict):
                b = b[0]
            if isinstance(b, dict):
                out.append(_Conf(b, self.v, f"{self.where}.{key}[{i}]"))
        return out


# --------------------------------------------------------------------------
# container_definitions
# --------------------------------------------------------------------------


def _container_definitions(conf: _Conf, where: str, sensitive: Iterable[str] = ()) -> Any:
    raw = conf.conf.get("container_definitions", _MISSING)
    if raw is _MISSING or raw is None:
        if conf.v.mode == PLAN:
            return Unknown(
                KNOWN_AFTER_APPLY,
                where,
                "it interpolates values known only after apply; Checkov's plan conf does not hold it "
                "(ctj-policy check --source-dir can evaluate it)",
            )
        return Unknown(NOT_EVALUATED, where, "container_definitions is not set")
    # Checkov wraps: plan mode gives the decoded list; HCL mode [[...]], [[[...]]], or ["<json text>"]
    value: Any = raw
    while isinstance(value, list) and len(value) == 1 and isinstance(value[0], (list, str)):
        value = value[0]
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in "[{":
            try:
                value = json.loads(stripped)
            except ValueError:
                return Unknown(UNRESOLVED, where, "container_definitions is not valid JSON")
        else:
            value = conf.v.string(stripped)
            if isinstance(value, Unknown):
                return value
            if isinstance(value, (Ref, Template)):
                return Unknown(KNOWN_AFTER_APPLY, where, f"{value.describe()} is known only after apply")
            if isinstance(value, str):
                return Unknown(UNRESOLVED, where, "container_definitions is not a list of containers")
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        value = conf.v.value(value)
    elif isinstance(value, dict):
        value = [conf.v.value(value)]
    elif isinstance(value, list) and not value:
        value = []
    else:
        value = conf.v.value(value) if isinstance(value, list) else value
    # one entry that is itself an unevaluated reference: the whole list is not known
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], (Unknown, Ref, Template)):
        v0 = value[0]
        return (
            v0
            if isinstance(v0, Unknown)
            else Unknown(KNOWN_AFTER_APPLY, where, f"{v0.describe()} is known only after apply")
        )
    return parse_container_definitions(value, where, sensitive)


# --------------------------------------------------------------------------
# resource types -> model objects (the shared builder)
# --------------------------------------------------------------------------


def add_resource(
    dep: Deployment,
    rtype: str,
    address: str,
    conf: dict,
    mode: str,
    *,
    block_type: str = "resource",
    sensitive: Iterable[str] = (),
) -> None:
    """Add the model object(s) for one Checkov resource conf to ``dep`` (``build.add_resource``).

    ``sensitive``: the strings the plan marks sensitive (``plan_facts``), which
    Checkov's conf does not carry; env values among them are sensitive, as in
    ``load_plan``."""
    view = _Conf(conf, _Values(address, mode, sensitive), address)
    build.add_resource(dep, "data" if block_type == "data" else "managed", rtype, address, view)


def data_address(address: str, data_type: str) -> str:
    """Checkov names a data source ``module.m.aws_db_instance.x``; Terraform ``module.m.data.aws_db_instance.x``."""
    prefix = module_prefix(address)
    rest = address[len(prefix) :]
    if rest.startswith("data."):
        return address
    return f"{prefix}data.{rest}"


__all__ = ["HCL", "PLAN", "TRUE_AFTER_UNKNOWN", "add_resource", "data_address", "module_prefix"]
