"""Runtime values of the HCL evaluator: symbolic values, string conversion, templates, references.

Values are plain Python values (str, int/float, bool, None, list, dict) when
known at plan time; what needs a provider stays SYMBOLIC (a
:class:`~ctj_policy.model.Ref`, a :class:`~ctj_policy.model.Template`, an
:class:`~ctj_policy.model.Unknown`, or :class:`JsonEncoded`).  References to
``var``/``local``/``module``/resources are small runtime objects resolved
against a module instance (:mod:`hcl_eval`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model import KNOWN_AFTER_APPLY, NOT_EVALUATED, UNRESOLVED, Ref, Template, Unknown
from . import InputError
from .hcl_parse import N as Tree
from .hcl_parse import T as Token

if TYPE_CHECKING:  # pragma: no cover
    from .hcl_eval import ModuleInst, ResourceInst
    from .hcl_expr import Evaluator


class EvalError(Exception):
    """An expression is invalid (Terraform would refuse it); ``try`` catches it."""


class Undeclared(EvalError):
    """A reference to a variable, local, resource, module or module output that is not declared.

    A half-edited tree (a module call deleted, its uses not yet) is a contributor's step, not a broken
    input: the reference evaluates to an Unknown naming it, so only the values built from it are
    unknown (SPEC section 9)."""


def undeclared(module: ModuleInst, ref: str, exc: EvalError) -> Unknown:
    """The Unknown an undeclared reference evaluates to; a loader note names it once.
    Inside try()/can() it stays an error, for them to catch."""
    if module.loader.catching:
        raise exc
    module.loader.note(f"{ref}: {exc}; the values that use it are unknown")
    return Unknown(UNRESOLVED, ref, f"{exc}: declare it or remove its uses")


# --------------------------------------------------------------------------
# limits: far above what a real configuration needs (evaluating the whole
# incubator, --scope root, takes ~9,500 steps, 25 levels deep, 320 resource
# and module instances; its largest value has ~1,000 elements and characters,
# 5 levels deep); hostile input above them stops the run with one line
# (exit 2) instead of hanging or exhausting memory.  ``try()`` and ``can()``
# do not catch these.
# --------------------------------------------------------------------------

MAX_STEPS = 1_000_000  # expression evaluations plus elements of the values they make and read
MAX_EVAL_DEPTH = 300  # nested evaluations (expression nesting and chains of references)
MAX_VALUE_SIZE = 200_000  # elements plus characters of one value
MAX_VALUE_DEPTH = 64  # nesting of one value
MAX_INSTANCES_PER_BLOCK = 10_000  # count / for_each
MAX_INSTANCES = 10_000  # resource and module instances of one evaluation
MAX_MODULE_DEPTH = 32  # nested module calls
MAX_NUMBER_BITS = 1024  # integers beyond are out of range (Terraform's are arbitrary precision)


class LimitExceeded(InputError):
    """The input goes beyond one of the limits above: exit 2 with one line."""

    def __init__(self, message: str, located: bool = False):
        super().__init__(message)
        self.located = located

    def at(self, file: str, line: int) -> LimitExceeded:
        """This error with the source location where it happened (the innermost one)."""
        if self.located or not file:
            return self
        return LimitExceeded(f"{file}:{line}: {self}", located=True)


class Budget:
    """What one evaluation has used of the limits."""

    __slots__ = ("steps", "depth", "instances")

    def __init__(self) -> None:
        self.steps = 0
        self.depth = 0
        self.instances = 0

    def charge(self, steps: int) -> None:
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise LimitExceeded(f"evaluation takes more than {MAX_STEPS:,} steps (the limit)")

    def check(self, value: Any, what: str) -> Any:
        """``value`` when within the size and depth limits (the walk is charged as steps)."""
        size = 0
        stack = [(value, 1)]
        while stack:
            v, depth = stack.pop()
            t = type(v)
            if t is str:
                size += len(v) + 1
                continue
            if t is JsonEncoded:
                stack.append((v.value, depth + 1))
                continue
            if t is Template:
                size += sum(len(p) if type(p) is str else 1 for p in v.parts)
                continue
            if t is not list and t is not dict:
                size += 1
                continue
            if depth > MAX_VALUE_DEPTH:
                raise LimitExceeded(f"{what}: a value nested deeper than {MAX_VALUE_DEPTH} levels (the limit)")
            size += 1
            if t is dict:
                size += sum(len(k) for k in v)
                v = v.values()
            for x in v:
                tx = type(x)
                if tx is str:
                    size += len(x) + 1
                elif tx is list or tx is dict or tx is JsonEncoded or tx is Template:
                    stack.append((x, depth + 1))
                else:
                    size += 1
            if size > MAX_VALUE_SIZE:
                check_size(size, what)
        check_size(size, what)
        self.charge(size)
        return value


def check_size(length: int, what: str) -> None:
    """Refuse, before building it, a string or collection longer than the limit."""
    if length > MAX_VALUE_SIZE:
        raise LimitExceeded(f"{what}: a value of more than {MAX_VALUE_SIZE:,} elements and characters (the limit)")


def number(value: Any) -> Any:
    """A number result within range: no infinities or NaN, integers of bounded size."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise EvalError("number out of range")
    elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_NUMBER_BITS:
        raise EvalError("number out of range")
    return value


@dataclass(frozen=True)
class JsonEncoded:
    """``jsonencode(x)`` where ``x`` holds symbolic values: the string is known only after apply."""

    value: Any

    def describe(self) -> str:
        return "jsonencode(...)"

    def __bool__(self) -> bool:  # pragma: no cover - guard
        raise TypeError("JsonEncoded has no truth value")


SYMBOLIC = (Unknown, Ref, Template, JsonEncoded)


def is_symbolic(value: Any) -> bool:
    return isinstance(value, SYMBOLIC)


def deep_known(value: Any) -> bool:
    if isinstance(value, (SYMBOLIC, ResourceValue, ModuleValue)):
        return False
    if isinstance(value, list):
        return all(deep_known(v) for v in value)
    if isinstance(value, dict):
        return all(deep_known(v) for v in value.values())
    return True


def unknown_of(value: Any, where: str = "") -> Unknown:
    """An Unknown standing for an operation on a symbolic value."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, (Ref, Template, JsonEncoded)):
        return Unknown(KNOWN_AFTER_APPLY, where or value.describe())
    return Unknown(NOT_EVALUATED, where)


# --------------------------------------------------------------------------
# syntax tree helpers
# --------------------------------------------------------------------------


def _trees(node) -> list:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _tok(node) -> str:
    for c in node.children:
        if isinstance(c, Token):
            return str(c)
    return ""


def source_text(node) -> str:
    """A rough, single-line rendering of an expression (for messages)."""
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Token):
            if n.type != "NL_OR_COMMENT":
                out.append(str(n))
                if n.type in ("NAME", "STRING_CHARS") and out[-1].isidentifier():
                    pass
        else:
            stack.extend(reversed(n.children))
    return "".join(out).strip()[:120]


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESC_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def _unescape(text: str) -> str:
    def sub(m: re.Match) -> str:
        s = m.group(1)
        if s[0] in "uU" and len(s) > 1:
            return chr(int(s[1:], 16))
        return _ESCAPES.get(s, "\\" + s)

    return _ESC_RE.sub(sub, text) if "\\" in text else text


def render_address(base: str, key: Any) -> str:
    if key is None:
        return base
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{base}[{key}]"
    return f"{base}[{json.dumps(str(key))}]"


def to_str(value: Any, where: str = "") -> Any:
    """Terraform's string conversion for interpolation (symbolic stays symbolic)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (Ref, Template, Unknown)):
        return value
    if isinstance(value, JsonEncoded):
        return Unknown(KNOWN_AFTER_APPLY, where or "jsonencode(...)")
    if value is None:
        raise EvalError("null value in a string template")
    if isinstance(value, ResourceValue):
        return Ref(value.inst.address, "id")
    raise EvalError(f"cannot convert {type(value).__name__} to string")


def make_template(parts: list) -> Any:
    flat: list = []
    for p in parts:
        if isinstance(p, Template):
            flat.extend(p.parts)
        else:
            flat.append(p)
    check_size(len(flat) + sum(len(p) for p in flat if isinstance(p, str)), "string template")
    merged: list = []
    for p in flat:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        elif p != "" or not isinstance(p, str):
            merged.append(p)
    if not merged:
        return ""
    if len(merged) == 1:
        return merged[0]
    if all(isinstance(p, str) for p in merged):
        return "".join(merged)
    return Template(tuple(merged))


def tf_jsonencode(value: Any) -> Any:
    if not deep_known(value):
        return JsonEncoded(value)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --------------------------------------------------------------------------
# runtime objects for references
# --------------------------------------------------------------------------


class Namespace:
    """``var``, ``local``, ``module``, ``data``, a resource type, ``count``, ``each``, ``path``."""

    def __init__(self, kind: str, module: ModuleInst, extra: Any = None):
        self.kind = kind
        self.module = module
        self.extra = extra

    def attr(self, name: str, ev: Evaluator) -> Any:
        try:
            return self._attr(name)
        except Undeclared as exc:
            ref = {"data_type": f"data.{self.extra}", "resource_type": self.extra}.get(self.kind, self.kind)
            return undeclared(self.module, f"{ref}.{name}", exc)

    def _attr(self, name: str) -> Any:
        m = self.module
        if self.kind == "var":
            return m.var(name)
        if self.kind == "local":
            return m.local(name)
        if self.kind == "module":
            return m.child_value(name)
        if self.kind == "data":
            return Namespace("data_type", m, name)
        if self.kind == "data_type":
            return m.resource_value("data", self.extra, name)
        if self.kind == "resource_type":
            return m.resource_value("managed", self.extra, name)
        if self.kind == "path":
            if name == "module":
                return m.display_dir
            if name in ("root", "cwd"):
                return m.loader.root_display
            raise EvalError(f"path.{name} is not a path attribute")
        if self.kind == "terraform":
            if name == "workspace":
                return "default"
            raise EvalError(f"terraform.{name} is not supported")
        raise EvalError(f"{self.kind}.{name}: unsupported reference")


class ResourceValue:
    """One resource instance seen through a reference: configured attributes evaluate,
    everything else is a Ref to that attribute of that instance."""

    __slots__ = ("inst",)

    def __init__(self, inst: ResourceInst):
        self.inst = inst

    def attr(self, name: str, ev: Evaluator) -> Any:
        inst = self.inst
        if name in inst.block.attrs and name not in ("count", "for_each", "depends_on", "provider", "lifecycle"):
            return inst.view().get(name)
        return Ref(inst.address, name)


class ModuleValue:
    __slots__ = ("inst",)

    def __init__(self, inst: ModuleInst):
        self.inst = inst

    def attr(self, name: str, ev: Evaluator) -> Any:
        try:
            return self.inst.output(name)
        except Undeclared as exc:
            return undeclared(self.inst.parent or self.inst, f"{self.inst.address}.{name}", exc)


@dataclass
class RemoteModuleValue:
    """A module call whose source cannot be read (remote, registry, missing): its outputs are unknown."""

    address: str
    source: str  # fit to print (credentials masked)
    reason: str = ""

    def attr(self, name: str, ev: Evaluator) -> Any:
        return Unknown(
            NOT_EVALUATED,
            f"{self.address}.{name}",
            self.reason or f"module source {self.source!r} is not local; only local module sources are followed",
        )



def _plain(value: Any) -> Any:
    """A value as data (a resource/module object used as a whole becomes a Ref)."""
    if isinstance(value, ResourceValue):
        return Ref(value.inst.address, "")
    if isinstance(value, ModuleValue):
        return Unknown(NOT_EVALUATED, value.inst.address, "a whole module used as a value")
    if isinstance(value, (Namespace, RemoteModuleValue)):
        return Unknown(NOT_EVALUATED, "reference", "a namespace used as a value")
    return value
