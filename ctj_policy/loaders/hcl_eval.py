"""Evaluate Terraform configuration the way ``terraform plan`` would, minus providers.

Works on the raw Lark trees of :mod:`hcl_parse`.  Values are plain Python
values (str, int/float, bool, None, list, dict) when known at plan time; what
needs a provider (resource attributes that are not set in the configuration,
data sources, ``random_password.x.result``) stays SYMBOLIC as a
:class:`~ctj_policy.model.Ref` naming the resource attribute, strings built
around refs are :class:`~ctj_policy.model.Template`, and what cannot be decided
is :class:`~ctj_policy.model.Unknown`.  ``jsonencode`` of a value holding refs
is :class:`JsonEncoded` (the structure is kept, so container definitions
can still be read).

Evaluation is lazy: a module directory is parsed only when something in it is
needed, so checking the CTJ subtree of the whole incubator root does not parse
the other projects.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..model import (
    KNOWN_AFTER_APPLY,
    NOT_EVALUATED,
    UNRESOLVED,
    Location,
    Ref,
    Template,
    Unknown,
    same_value,
)
from .hcl_parse import Attr, Block, TfFile, display_path, parse_dir


class EvalError(Exception):
    """An expression is invalid (Terraform would refuse it); ``try`` catches it."""


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
    if isinstance(value, SYMBOLIC) or isinstance(value, (ResourceValue, ModuleValue)):
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
# lark tree helpers
# --------------------------------------------------------------------------

from .hcl_parse import N as Tree
from .hcl_parse import T as Token


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

    def __init__(self, kind: str, module: "ModuleInst", extra: Any = None):
        self.kind = kind
        self.module = module
        self.extra = extra

    def attr(self, name: str, ev: "Evaluator") -> Any:
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

    def __init__(self, inst: "ResourceInst"):
        self.inst = inst

    def attr(self, name: str, ev: "Evaluator") -> Any:
        inst = self.inst
        if name in inst.block.attrs and name not in ("count", "for_each", "depends_on", "provider", "lifecycle"):
            return inst.view().get(name)
        return Ref(inst.address, name)


class ModuleValue:
    __slots__ = ("inst",)

    def __init__(self, inst: "ModuleInst"):
        self.inst = inst

    def attr(self, name: str, ev: "Evaluator") -> Any:
        return self.inst.output(name)


@dataclass
class RemoteModuleValue:
    address: str
    source: str

    def attr(self, name: str, ev: "Evaluator") -> Any:
        return Unknown(
            NOT_EVALUATED,
            f"{self.address}.{name}",
            f"module source {self.source!r} is not local; only local module sources are followed",
        )


# --------------------------------------------------------------------------
# functions
# --------------------------------------------------------------------------


def _need_known(name: str, args: list) -> Unknown | None:
    for a in args:
        if not deep_known(a):
            found = a if isinstance(a, Unknown) else None
            return found or Unknown(KNOWN_AFTER_APPLY, f"{name}(...)", "an argument is known only after apply")
    return None


def _tonumber(v: Any) -> Any:
    if isinstance(v, bool):
        raise EvalError("cannot convert bool to number")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            try:
                return float(v)
            except ValueError:
                raise EvalError(f"cannot convert {v!r} to number") from None
    if v is None:
        return None
    raise EvalError("cannot convert to number")


def _format(fmt: str, *args: Any) -> str:
    out = []
    i = 0
    argi = 0
    spec_re = re.compile(r"%([-+ #0]*)(\d*)(?:\.(\d+))?([sdvqtfbxXeEgGo%])")
    while i < len(fmt):
        if fmt[i] != "%":
            out.append(fmt[i])
            i += 1
            continue
        m = spec_re.match(fmt, i)
        if not m:
            raise EvalError(f"bad format verb in {fmt!r}")
        flags, width, prec, verb = m.groups()
        i = m.end()
        if verb == "%":
            out.append("%")
            continue
        if argi >= len(args):
            raise EvalError("not enough arguments for format")
        a = args[argi]
        argi += 1
        if verb in "sv":
            text = json.dumps(a) if isinstance(a, (list, dict)) else to_str(a)
            pyspec = f"%{flags}{width}" + (f".{prec}" if prec else "") + "s"
            out.append(pyspec % text)
        elif verb == "q":
            out.append(json.dumps(to_str(a)))
        elif verb == "t":
            out.append("true" if a else "false")
        else:
            n = _tonumber(a)
            pyverb = {"b": "d", "o": "o"}.get(verb, verb)
            if verb == "b":
                out.append(format(int(n), "b"))
                continue
            if verb in "dxXo":
                n = int(n)
            pyspec = f"%{flags}{width}" + (f".{prec}" if prec else "") + pyverb
            out.append(pyspec % n)
    return "".join(out)


def _flatten(v: Any) -> list:
    out = []
    for x in v:
        if isinstance(x, list):
            out.extend(_flatten(x))
        else:
            out.append(x)
    return out


def _coalesce(*args: Any) -> Any:
    for a in args:
        if a is None or a == "":
            continue
        return a
    raise EvalError("coalesce: no non-null, non-empty argument")


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    if isinstance(m, Unknown):
        return m
    if not isinstance(m, dict):
        if is_symbolic(m):
            return unknown_of(m)
        raise EvalError("lookup: first argument is not a map")
    if is_symbolic(key):
        return unknown_of(key)
    if key in m:
        return m[key]
    if default:
        return default[0]
    raise EvalError(f"lookup: key {key!r} not found")


def _merge(*maps: Any) -> Any:
    out: dict = {}
    for m in maps:
        if m is None:
            continue
        if is_symbolic(m):
            return unknown_of(m, "merge(...)")
        if not isinstance(m, dict):
            raise EvalError("merge: arguments must be maps or objects")
        out.update(m)
    return out


def _concat(*lists: Any) -> Any:
    out: list = []
    for x in lists:
        if is_symbolic(x):
            return unknown_of(x, "concat(...)")
        if not isinstance(x, list):
            raise EvalError("concat: arguments must be lists")
        out.extend(x)
    return out


def _length(v: Any) -> Any:
    if is_symbolic(v):
        return unknown_of(v, "length(...)")
    if isinstance(v, (list, dict, str)):
        return len(v)
    raise EvalError("length: argument has no length")


def _element(lst: Any, idx: Any) -> Any:
    if is_symbolic(lst) or is_symbolic(idx):
        return unknown_of(lst if is_symbolic(lst) else idx, "element(...)")
    if not lst:
        raise EvalError("element: empty list")
    return lst[int(idx) % len(lst)]


def _replace(s: Any, old: Any, new: Any) -> Any:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        pattern = old[1:-1]
        repl = re.sub(r"\$(\d+)", r"\\\1", new)
        return re.sub(pattern, repl, s)
    return s.replace(old, new)


def _one(v: Any) -> Any:
    if is_symbolic(v):
        return unknown_of(v)
    if len(v) == 0:
        return None
    if len(v) == 1:
        return v[0]
    raise EvalError("one: more than one element")


def _tolist(v: Any) -> Any:
    if is_symbolic(v):
        return v
    if isinstance(v, list):
        return list(v)
    raise EvalError("tolist: not a list or set")


def _toset(v: Any) -> Any:
    if is_symbolic(v):
        return v
    if not isinstance(v, list):
        raise EvalError("toset: not a list")
    out: list = []
    for x in v:
        if not any(same_value(x, y) is True for y in out):
            out.append(x)
    if all(isinstance(x, str) for x in out):
        out.sort()
    return out


def _sensitive_marker(loader: "Loader") -> Callable:
    def sensitive(v: Any) -> Any:
        loader.mark_sensitive(v)
        return v

    return sensitive


def _keys(m: Any) -> Any:
    if is_symbolic(m):
        return unknown_of(m)
    return sorted(m)


def _values(m: Any) -> Any:
    if is_symbolic(m):
        return unknown_of(m)
    return [m[k] for k in sorted(m)]


def _jsondecode(s: Any) -> Any:
    if isinstance(s, JsonEncoded):
        return s.value
    if is_symbolic(s):
        return unknown_of(s)
    try:
        return json.loads(s)
    except ValueError:
        raise EvalError("jsondecode: invalid JSON") from None


def _tostring(v: Any) -> Any:
    if v is None or is_symbolic(v):
        return v
    if isinstance(v, (list, dict)):
        raise EvalError("tostring: not a primitive value")
    return to_str(v)


def _tobool(v: Any) -> Any:
    if v is None or isinstance(v, bool) or is_symbolic(v):
        return v
    if v in ("true", "false"):
        return v == "true"
    raise EvalError(f"cannot convert {v!r} to bool")


def _tomap(v: Any) -> Any:
    if is_symbolic(v) or isinstance(v, dict):
        return v
    raise EvalError("tomap: not a map")


def _contains(lst: Any, v: Any) -> Any:
    if not deep_known(lst) or not deep_known(v):
        return Unknown(KNOWN_AFTER_APPLY, "contains(...)")
    return v in lst


# functions that work structurally (symbolic values inside collections are fine)
STRUCTURAL = {
    "concat": _concat,
    "merge": _merge,
    "lookup": _lookup,
    "coalesce": _coalesce,
    "tostring": _tostring,
    "tobool": _tobool,
    "tolist": _tolist,
    "toset": _toset,
    "tomap": _tomap,
    "length": _length,
    "element": _element,
    "one": _one,
    "keys": _keys,
    "values": _values,
    "jsonencode": tf_jsonencode,
    "jsondecode": _jsondecode,
    "nonsensitive": lambda v: v,
    "contains": _contains,
    "flatten": lambda v: unknown_of(v) if is_symbolic(v) else _flatten(v),
    "coalescelist": lambda *a: next((x for x in a if is_symbolic(x) or x), []),
    "compact": lambda v: unknown_of(v) if is_symbolic(v) else [x for x in v if x is not None and x != ""],
    "zipmap": lambda k, v: unknown_of(k) if is_symbolic(k) or is_symbolic(v) else dict(zip(k, v)),
    "distinct": lambda v: unknown_of(v) if is_symbolic(v) else _toset_keep_order(v),
    "reverse": lambda v: unknown_of(v) if is_symbolic(v) else list(reversed(v)),
    "slice": lambda v, a, b: unknown_of(v) if is_symbolic(v) else v[int(a) : int(b)],
}


def _toset_keep_order(v: list) -> list:
    out: list = []
    for x in v:
        if x not in out:
            out.append(x)
    return out


# functions of known scalars (any symbolic argument makes the result unknown)
SCALAR: dict[str, Callable] = {
    "format": _format,
    "tonumber": _tonumber,
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "title": lambda s: s.title(),
    "trimspace": lambda s: s.strip(),
    "trim": lambda s, c: s.strip(c),
    "trimprefix": lambda s, p: s[len(p) :] if p and s.startswith(p) else s,
    "trimsuffix": lambda s, p: s[: -len(p)] if p and s.endswith(p) else s,
    "startswith": lambda s, p: s.startswith(p),
    "endswith": lambda s, p: s.endswith(p),
    "join": lambda sep, *ls: sep.join(to_str(x) for lst in ls for x in lst),
    "split": lambda sep, s: s.split(sep),
    "replace": _replace,
    "substr": lambda s, off, n: s[int(off) :] if int(n) < 0 else s[int(off) : int(off) + int(n)],
    "max": lambda *a: max(a),
    "min": lambda *a: min(a),
    "abs": abs,
    "ceil": math.ceil,
    "floor": math.floor,
    "sort": lambda v: sorted(v),
    "range": lambda *a: list(range(*(int(x) for x in a))),
    "index": lambda lst, v: lst.index(v),
    "formatlist": lambda fmt, *ls: [_format(fmt, *row) for row in zip(*ls)],
    "strrev": lambda s: s[::-1],
    "regex": lambda p, s: (re.search(p, s) or _raise(EvalError("regex: no match"))).group(0),
    "can_regex": None,
}
SCALAR.pop("can_regex")


def _raise(exc: Exception):
    raise exc


# --------------------------------------------------------------------------
# the evaluator
# --------------------------------------------------------------------------


class Evaluator:
    """Evaluates expressions in one module instance with local bindings."""

    def __init__(self, module: "ModuleInst", bindings: dict | None = None):
        self.module = module
        self.bindings = bindings or {}

    def with_bindings(self, extra: dict) -> "Evaluator":
        return Evaluator(self.module, {**self.bindings, **extra})

    # entry points --------------------------------------------------------

    def value(self, node, where: str = "") -> Any:
        """Evaluate; an invalid expression becomes an Unknown saying why."""
        try:
            return self.eval(node)
        except EvalError as exc:
            return Unknown(UNRESOLVED, where or source_text(node), str(exc))
        except RecursionError:  # pragma: no cover - absurdly deep expressions
            return Unknown(NOT_EVALUATED, where or "expression", "too deeply nested")

    def eval(self, node) -> Any:
        method = getattr(self, "_e_" + node.data, None)
        if method is None:
            return Unknown(NOT_EVALUATED, source_text(node), f"unsupported expression ({node.data})")
        return method(node)

    # literals ------------------------------------------------------------

    def _e_expr_term(self, node):
        inner = _trees(node)
        if len(inner) != 1:  # pragma: no cover - grammar guarantees one
            raise EvalError("malformed expression")
        return self.eval(inner[0])

    def _e_int_lit(self, node):
        return int(_tok(node))

    def _e_float_lit(self, node):
        return float(_tok(node))

    def _e_literal_value(self, node):
        t = _tok(node)
        return {"true": True, "false": False, "null": None}[t]

    def _e_string(self, node):
        parts: list = []
        for part in node.children:
            if isinstance(part, Token):
                continue
            for c in part.children:
                if isinstance(c, Token):
                    if c.type == "ESCAPED_INTERPOLATION":
                        parts.append(str(c)[1:])
                    elif c.type == "ESCAPED_DIRECTIVE":
                        parts.append(str(c)[1:])
                    else:
                        parts.append(_unescape(str(c)))
                elif c.data == "interpolation":
                    expr = _trees(c)[0]
                    v = self.eval(expr)
                    parts.append(("interp", v, expr))
                else:
                    return Unknown(NOT_EVALUATED, source_text(node), "template directives (%{...}) are not evaluated")
        interps = [p for p in parts if isinstance(p, tuple)]
        if len(parts) == 1 and interps:
            return interps[0][1]  # "${x}" is x itself, unconverted
        out = []
        for p in parts:
            if isinstance(p, tuple):
                out.append(to_str(p[1], source_text(p[2])))
            else:
                out.append(p)
        return make_template(out)

    def _e_template_string(self, node):
        return _unescape(_tok(node)[2:-2])

    def _heredoc(self, node, trim: bool):
        text = _tok(node)
        m = re.match(r"<<-?([a-zA-Z][a-zA-Z0-9._-]*)\r?\n", text)
        body = text[m.end() :] if m else text
        lines = body.split("\n")
        # drop the closing marker line (and the trailing empty line)
        while lines and lines[-1].strip() in ("", m.group(1) if m else ""):
            last = lines.pop()
            if last.strip():
                break
        if trim:
            indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
            lines = [l[indent:] for l in lines]
        content = "\n".join(lines) + ("\n" if lines else "")
        if "${" in content.replace("$${", "") or "%{" in content.replace("%%{", ""):
            return Unknown(NOT_EVALUATED, "heredoc", "interpolation inside heredocs is not evaluated")
        return content.replace("$${", "${").replace("%%{", "%{")

    def _e_heredoc_template(self, node):
        return self._heredoc(node, False)

    def _e_heredoc_template_trim(self, node):
        return self._heredoc(node, True)

    def _e_tuple(self, node):
        return [self.eval(c) for c in _trees(node)]

    def _e_object(self, node):
        out: dict = {}
        for elem in _trees(node):
            key_node, val_node = _trees(elem)
            key = self._object_key(key_node)
            if is_symbolic(key):
                return unknown_of(key, "object key")
            out[to_str(key)] = self.eval(val_node)
        return out

    def _object_key(self, key_node):
        inner = _trees(key_node)
        if not inner:  # a keyword used as key
            return _tok(key_node) or _tok(key_node.children[0])
        expr = inner[0]
        if expr.data == "keyword":
            return _tok(expr)
        if expr.data == "expr_term":
            sub = _trees(expr)
            has_paren = any(isinstance(c, Token) and c.type == "LPAR" for c in expr.children)
            if len(sub) == 1 and sub[0].data == "identifier" and not has_paren:
                return _tok(sub[0])
            if len(sub) == 1 and sub[0].data in ("literal_value", "keyword") and not has_paren:
                return _tok(sub[0])
        if expr.data == "identifier":
            return _tok(expr)
        return self.eval(expr)

    # operators -----------------------------------------------------------

    def _e_conditional(self, node):
        cond, a, b = _trees(node)
        c = self.eval(cond)
        if is_symbolic(c):
            return unknown_of(c, source_text(cond))
        if not isinstance(c, bool):
            raise EvalError("condition is not a bool")
        return self.eval(a if c else b)

    def _e_unary_op(self, node):
        op = str(node.children[0])
        v = self.eval(_trees(node)[0])
        if is_symbolic(v):
            return unknown_of(v)
        if op == "!":
            if not isinstance(v, bool):
                raise EvalError("! needs a bool")
            return not v
        return -_tonumber(v)

    def _e_binary_op(self, node):
        left, term = _trees(node)[:2]
        op_node, right = _trees(term)
        op = _tok(op_node).strip()
        a = self.eval(left)
        if op in ("&&", "||") and isinstance(a, bool):
            if op == "&&" and not a:
                return False
            if op == "||" and a:
                return True
        b = self.eval(right)
        if op in ("==", "!="):
            r = same_value(_plain(a), _plain(b))
            if r is None:
                return Unknown(KNOWN_AFTER_APPLY, source_text(node))
            return r if op == "==" else not r
        if is_symbolic(a) or is_symbolic(b):
            return unknown_of(a if is_symbolic(a) else b, source_text(node))
        if op in ("&&", "||"):
            if not isinstance(a, bool) or not isinstance(b, bool):
                raise EvalError(f"{op} needs bools")
            return (a and b) if op == "&&" else (a or b)
        x, y = _tonumber(a), _tonumber(b)
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            if y == 0:
                raise EvalError("division by zero")
            r = x / y
            return int(r) if r.is_integer() else r
        if op == "%":
            return x % y
        return {"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]

    # references ------------------------------------------------------------

    def _e_identifier(self, node):
        name = _tok(node)
        if name in self.bindings:
            return self.bindings[name]
        m = self.module
        if name in ("var", "local", "module", "data", "path", "terraform"):
            return Namespace(name, m)
        if name == "count":
            if "count.index" in self.bindings:
                return {"index": self.bindings["count.index"]}
            raise EvalError("count.index used outside a counted block")
        if name == "each":
            if "each" in self.bindings:
                return self.bindings["each"]
            raise EvalError("each used outside a for_each block")
        if name == "self":
            return Unknown(NOT_EVALUATED, "self")
        return Namespace("resource_type", m, name)

    def _get_attr(self, value: Any, name: str) -> Any:
        if isinstance(value, (Namespace, ResourceValue, ModuleValue, RemoteModuleValue)):
            return value.attr(name, self)
        if isinstance(value, dict):
            if name in value:
                return value[name]
            raise EvalError(f"no attribute {name!r}")
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Ref):
            return Ref(value.address, f"{value.attribute}.{name}" if value.attribute else name)
        if isinstance(value, (Template, JsonEncoded)):
            return unknown_of(value)
        if isinstance(value, list):
            raise EvalError(f"cannot read attribute {name!r} of a list (use [*] or an index)")
        raise EvalError(f"cannot read attribute {name!r} of {type(value).__name__}")

    def _index(self, value: Any, key: Any) -> Any:
        if isinstance(key, Unknown):
            return key
        if is_symbolic(key):
            return unknown_of(key)
        if isinstance(value, list):
            try:
                i = int(_tonumber(key))
            except (EvalError, TypeError):
                raise EvalError("list index must be a number") from None
            if not 0 <= i < len(value):
                raise EvalError(f"index {i} out of range")
            return value[i]
        if isinstance(value, dict):
            k = to_str(key)
            if k in value:
                return value[k]
            raise EvalError(f"key {k!r} not found")
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Ref):
            return Ref(value.address, f"{value.attribute}[{json.dumps(key)}]")
        if isinstance(value, (Template, JsonEncoded)):
            return unknown_of(value)
        if isinstance(value, (Namespace, ResourceValue, ModuleValue)):
            raise EvalError("cannot index this value")
        raise EvalError(f"cannot index {type(value).__name__}")

    def _step(self, value: Any, step) -> Any:
        if step.data == "get_attr":
            name_node = _trees(step)[0]
            return self._get_attr(value, _tok(name_node))
        if step.data == "braces_index":
            return self._index(value, self.eval(_trees(step)[0]))
        if step.data == "short_index":
            return self._index(value, int(str(step.children[-1])))
        raise EvalError(f"unsupported traversal {step.data}")

    def _e_get_attr_expr_term(self, node):
        base, step = _trees(node)
        return self._step(self.eval(base), step)

    def _e_index_expr_term(self, node):
        base, step = _trees(node)
        return self._step(self.eval(base), step)

    def _splat(self, node):
        base, splat = _trees(node)
        v = self.eval(base)
        steps = _trees(splat)
        if isinstance(v, Unknown):
            return v
        if is_symbolic(v):
            return unknown_of(v)
        if v is None:
            items: list = []
        elif isinstance(v, list):
            items = v
        elif isinstance(v, dict) and not steps:
            return [v]
        else:
            items = [v]
        out = []
        for item in items:
            for s in steps:
                item = self._step(item, s)
            out.append(item)
        return out

    _e_attr_splat_expr_term = _splat
    _e_full_splat_expr_term = _splat

    # for expressions -------------------------------------------------------

    def _for(self, node, is_object: bool):
        trees = _trees(node)
        intro = trees[0]
        cond = next((t for t in trees if t.data == "for_cond"), None)
        body = [t for t in trees[1:] if t is not cond]
        names = [_tok(t) for t in _trees(intro) if t.data == "identifier"]
        coll_node = [t for t in _trees(intro) if t.data != "identifier"][0]
        coll = self.eval(coll_node)
        if is_symbolic(coll):
            return unknown_of(coll, source_text(coll_node))
        if isinstance(coll, dict):
            pairs = [(k, coll[k]) for k in sorted(coll)]
        elif isinstance(coll, list):
            pairs = list(enumerate(coll))
        else:
            raise EvalError("for expression over a non-collection")
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        out_list: list = []
        out_map: dict = {}
        for k, v in pairs:
            bind = {names[-1]: v}
            if len(names) == 2:
                bind[names[0]] = k
            ev = self.with_bindings(bind)
            if cond is not None:
                c = ev.eval(_trees(cond)[0])
                if is_symbolic(c):
                    return unknown_of(c)
                if not c:
                    continue
            if is_object:
                key = ev.eval(body[0])
                if is_symbolic(key):
                    return unknown_of(key)
                key = to_str(key)
                val = ev.eval(body[1])
                if grouping:
                    out_map.setdefault(key, []).append(val)
                else:
                    if key in out_map:
                        raise EvalError(f"duplicate key {key!r} in for expression")
                    out_map[key] = val
            else:
                out_list.append(ev.eval(body[0]))
        return out_map if is_object else out_list

    def _e_for_tuple_expr(self, node):
        return self._for(node, False)

    def _e_for_object_expr(self, node):
        return self._for(node, True)

    # functions -------------------------------------------------------------

    def _e_function_call(self, node):
        trees = _trees(node)
        idents = [t for t in trees if t.data == "identifier"]
        name = _tok(idents[0])
        if len(idents) > 1:
            return Unknown(NOT_EVALUATED, source_text(node), "provider-defined functions are not evaluated")
        args_node = next((t for t in trees if t.data == "arguments"), None)
        arg_nodes = _trees(args_node) if args_node is not None else []
        expand = args_node is not None and any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_node.children)
        if name == "try":
            last: Exception | None = None
            for a in arg_nodes:
                try:
                    return self.eval(a)
                except EvalError as exc:
                    last = exc
            raise EvalError(f"try: no argument could be evaluated ({last})")
        if name == "can":
            try:
                v = self.eval(arg_nodes[0])
            except EvalError:
                return False
            return True if deep_known(v) or not isinstance(v, Unknown) else Unknown(NOT_EVALUATED, "can(...)")
        args = [self.eval(a) for a in arg_nodes]
        if expand and args:
            last_arg = args.pop()
            if is_symbolic(last_arg):
                return unknown_of(last_arg)
            args.extend(last_arg)
        args = [_plain(a) for a in args]
        if name == "sensitive":
            self.module.loader.mark_sensitive(args[0] if args else None)
            return args[0] if args else None
        fn = STRUCTURAL.get(name)
        if fn is None:
            fn = SCALAR.get(name)
            if fn is None:
                return Unknown(NOT_EVALUATED, f"{name}(...)", f"function {name}() is not evaluated")
            missing = _need_known(name, args)
            if missing is not None:
                return missing
        try:
            return fn(*args)
        except EvalError:
            raise
        except (TypeError, ValueError, AttributeError, IndexError, KeyError) as exc:
            raise EvalError(f"{name}(): {exc}") from None


def _plain(value: Any) -> Any:
    """A value as data (a resource/module object used as a whole becomes a Ref)."""
    if isinstance(value, ResourceValue):
        return Ref(value.inst.address, "")
    if isinstance(value, ModuleValue):
        return Unknown(NOT_EVALUATED, value.inst.address, "a whole module used as a value")
    if isinstance(value, (Namespace, RemoteModuleValue)):
        return Unknown(NOT_EVALUATED, "reference", "a namespace used as a value")
    return value


# --------------------------------------------------------------------------
# modules, resources, blocks
# --------------------------------------------------------------------------

META_ARGS = ("count", "for_each", "depends_on", "provider", "providers", "lifecycle", "source", "version")


class BlockView:
    """A configuration block seen with its evaluation bindings (dynamic blocks expanded)."""

    __slots__ = ("block", "ev", "_cache")

    def __init__(self, block: Block, ev: Evaluator):
        self.block = block
        self.ev = ev
        self._cache: dict = {}

    @property
    def line(self) -> int:
        return self.block.line

    def has(self, name: str) -> bool:
        return name in self.block.attrs

    def get(self, name: str, default: Any = None) -> Any:
        if name in self._cache:
            return self._cache[name]
        attr = self.block.attrs.get(name)
        if attr is None:
            return default
        guard = (id(self.block), name, id(self.ev.bindings.get("each")), self.ev.bindings.get("count.index"))
        loader = self.ev.module.loader
        if guard in loader.evaluating:
            return Unknown(UNRESOLVED, name, "self-referencing configuration")
        loader.evaluating.add(guard)
        try:
            value = _plain(self.ev.value(attr.expr, name))
        finally:
            loader.evaluating.discard(guard)
        self._cache[name] = value
        return value

    def blocks(self, type_: str) -> list["BlockView"]:
        out = []
        for b in self.block.blocks:
            if b.type == type_:
                out.append(BlockView(b, self.ev))
            elif b.type == "dynamic" and b.labels and b.labels[0] == type_:
                out.extend(self._dynamic(b, type_))
        return out

    def _dynamic(self, b: Block, type_: str) -> list["BlockView"]:
        fe = b.attrs.get("for_each")
        content = next((c for c in b.blocks if c.type == "content"), None)
        if fe is None or content is None:
            return []
        iterator = type_
        if "iterator" in b.attrs:
            it = b.attrs["iterator"].expr
            iterator = source_text(it)
        coll = _plain(self.ev.value(fe.expr, f"dynamic {type_} for_each"))
        if is_symbolic(coll):
            # unknown number of blocks: one block whose every value is unknown
            unknown = unknown_of(coll, f"dynamic {type_}")
            return [BlockView(content, self.ev.with_bindings({iterator: {"key": unknown, "value": unknown}}))]
        items = [(k, coll[k]) for k in sorted(coll)] if isinstance(coll, dict) else list(enumerate(coll or []))
        out = []
        for k, v in items:
            out.append(BlockView(content, self.ev.with_bindings({iterator: {"key": k, "value": v}})))
        return out


class ResourceInst:
    __slots__ = ("module", "mode", "type", "name", "block", "key", "address", "_view")

    def __init__(self, module: "ModuleInst", mode: str, type_: str, name: str, block: Block, key: Any):
        self.module = module
        self.mode = mode
        self.type = type_
        self.name = name
        self.block = block
        self.key = key
        base = f"{'data.' if mode == 'data' else ''}{type_}.{name}"
        if module.address:
            base = f"{module.address}.{base}"
        self.address = render_address(base, key)
        self._view: BlockView | None = None

    def view(self) -> BlockView:
        if self._view is None:
            bindings: dict = {}
            if isinstance(self.key, int) and "count" in self.block.attrs:
                bindings["count.index"] = self.key
            elif "for_each" in self.block.attrs:
                bindings["each"] = {"key": self.key, "value": self.module.each_value(self.block, self.key)}
            self._view = BlockView(self.block, Evaluator(self.module, bindings))
        return self._view

    @property
    def location(self) -> Location:
        return Location(self.block.file, self.block.line, self.module.call_location)


class ModuleInst:
    """One instance of a module (the root, or one key of a module call)."""

    def __init__(
        self,
        loader: "Loader",
        directory: Path,
        address: str,
        parent: "ModuleInst | None" = None,
        call: Block | None = None,
        call_ev: Evaluator | None = None,
        call_location: Location | None = None,
    ):
        self.loader = loader
        self.directory = directory
        self.address = address
        self.parent = parent
        self.call = call
        self.call_ev = call_ev
        self.call_location = call_location
        self.display_dir = display_path(directory)
        self._files: list[TfFile] | None = None
        self._vars: dict[str, Any] = {}
        self._locals: dict[str, Any] = {}
        self._outputs: dict[str, Any] = {}
        self._children: dict[str, Any] = {}
        self._instances: dict[tuple, list[ResourceInst]] = {}
        self._each_cache: dict[int, Any] = {}

    # parsed content --------------------------------------------------------

    def _index(self) -> None:
        if self._files is not None:
            return
        self._files = parse_dir(self.directory)
        self.variables: dict[str, Block] = {}
        self.local_attrs: dict[str, Attr] = {}
        self.resources: dict[tuple, Block] = {}
        self.modules: dict[str, Block] = {}
        self.outputs: dict[str, Block] = {}
        for f in self._files:
            for b in f.blocks:
                if b.type == "variable" and b.labels:
                    self.variables[b.labels[0]] = b
                elif b.type == "locals":
                    self.local_attrs.update(b.attrs)
                elif b.type == "resource" and len(b.labels) == 2:
                    self.resources[("managed", b.labels[0], b.labels[1])] = b
                elif b.type == "data" and len(b.labels) == 2:
                    self.resources[("data", b.labels[0], b.labels[1])] = b
                elif b.type == "module" and b.labels:
                    self.modules[b.labels[0]] = b
                elif b.type == "output" and b.labels:
                    self.outputs[b.labels[0]] = b

    @property
    def files(self) -> list[TfFile]:
        self._index()
        return self._files  # type: ignore[return-value]

    # values ------------------------------------------------------------------

    def var(self, name: str) -> Any:
        if name in self._vars:
            return self._vars[name]
        self._index()
        decl = self.variables.get(name)
        if decl is None:
            raise EvalError(f"var.{name} is not declared in {self.display_dir}")
        where = f"{self.address + '.' if self.address else ''}var.{name}"
        self._vars[name] = Unknown(UNRESOLVED, where, "circular reference")
        value: Any = _MISSING
        if self.call is not None and self.call_ev is not None:
            attr = self.call.attrs.get(name)
            if attr is not None:
                value = _plain(self.call_ev.value(attr.expr, where))
        elif self.parent is None:
            value = self.loader.root_value(name, decl)
        if value is _MISSING and "default" in decl.attrs:
            value = _plain(Evaluator(self).value(decl.attrs["default"].expr, where))
        if value is _MISSING:
            value = Unknown(
                UNRESOLVED,
                where,
                "the variable has no value and no default: pass --var/--var-file" if self.parent is None else "not set by the module call",
            )
        value = _convert_type(value, decl)
        sens = decl.attrs.get("sensitive")
        if sens is not None and Evaluator(self).value(sens.expr) is True:
            self.loader.mark_sensitive(value)
        self._vars[name] = value
        return value

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        self._index()
        attr = self.local_attrs.get(name)
        if attr is None:
            raise EvalError(f"local.{name} is not defined in {self.display_dir}")
        self._locals[name] = Unknown(UNRESOLVED, f"local.{name}", "circular reference")
        value = _plain(Evaluator(self).value(attr.expr, f"local.{name}"))
        self._locals[name] = value
        return value

    def output(self, name: str) -> Any:
        if name in self._outputs:
            return self._outputs[name]
        self._index()
        block = self.outputs.get(name)
        if block is None or "value" not in block.attrs:
            raise EvalError(f"{self.address}: no output {name!r}")
        where = f"{self.address}.{name}"
        self._outputs[name] = Unknown(UNRESOLVED, where, "circular reference")
        value = _plain(Evaluator(self).value(block.attrs["value"].expr, where))
        sens = block.attrs.get("sensitive")
        if sens is not None and Evaluator(self).value(sens.expr) is True:
            self.loader.mark_sensitive(value)
        self._outputs[name] = value
        return value

    def each_value(self, block: Block, key: Any) -> Any:
        coll = self.for_each_collection(block, Evaluator(self))
        if isinstance(coll, dict):
            return coll.get(key)
        return key

    def for_each_collection(self, block: Block, ev: Evaluator) -> Any:
        cached = self._each_cache.get(id(block))
        if cached is None:
            cached = _plain(ev.value(block.attrs["for_each"].expr, "for_each"))
            if isinstance(cached, list):
                cached = {to_str(x): x for x in cached if not is_symbolic(x)} if all(
                    not is_symbolic(x) for x in cached
                ) else unknown_of(next(x for x in cached if is_symbolic(x)))
            self._each_cache[id(block)] = cached
        return cached

    def instance_keys(self, block: Block, ev: Evaluator, what: str) -> list:
        """[None] for a single instance; the count indices or for_each keys."""
        if "count" in block.attrs:
            n = _plain(ev.value(block.attrs["count"].expr, f"{what} count"))
            if isinstance(n, bool) or not isinstance(n, (int, float)):
                self.loader.note(f"{what}: count could not be evaluated; assumed one instance")
                return [0]
            return list(range(int(n)))
        if "for_each" in block.attrs:
            coll = self.for_each_collection(block, ev)
            if not isinstance(coll, dict):
                self.loader.note(f"{what}: for_each could not be evaluated; assumed one instance")
                return ["?"]
            return sorted(coll)
        return [None]

    # resources ---------------------------------------------------------------

    def resource_instances(self, mode: str, type_: str, name: str) -> list[ResourceInst]:
        key = (mode, type_, name)
        if key in self._instances:
            return self._instances[key]
        self._index()
        block = self.resources.get(key)
        if block is None:
            raise EvalError(f"{'data.' if mode == 'data' else ''}{type_}.{name} is not declared in {self.display_dir}")
        self._instances[key] = []
        keys = self.instance_keys(block, Evaluator(self), f"{type_}.{name}")
        insts = [ResourceInst(self, mode, type_, name, block, k) for k in keys]
        self._instances[key] = insts
        return insts

    def resource_value(self, mode: str, type_: str, name: str) -> Any:
        block = self._block_for(mode, type_, name)
        insts = self.resource_instances(mode, type_, name)
        if "count" in block.attrs:
            return [ResourceValue(i) for i in insts]
        if "for_each" in block.attrs:
            return {i.key: ResourceValue(i) for i in insts}
        return ResourceValue(insts[0])

    def _block_for(self, mode: str, type_: str, name: str) -> Block:
        self._index()
        block = self.resources.get((mode, type_, name))
        if block is None:
            raise EvalError(f"{'data.' if mode == 'data' else ''}{type_}.{name} is not declared in {self.display_dir}")
        return block

    def all_resource_instances(self) -> list[ResourceInst]:
        self._index()
        out = []
        for (mode, type_, name) in self.resources:
            out.extend(self.resource_instances(mode, type_, name))
        return out

    # module calls ------------------------------------------------------------

    def module_source(self, name: str) -> Any:
        self._index()
        block = self.modules.get(name)
        if block is None:
            raise EvalError(f"module.{name} is not declared in {self.display_dir}")
        src = block.attrs.get("source")
        return _plain(Evaluator(self).value(src.expr, f"module.{name}.source")) if src else None

    def children(self, name: str) -> list:
        """The instances of ``module.<name>``: ModuleInst, or RemoteModuleValue when not local."""
        if name in self._children:
            return self._children[name]
        self._index()
        block = self.modules.get(name)
        if block is None:
            raise EvalError(f"module.{name} is not declared in {self.display_dir}")
        self._children[name] = []
        source = self.module_source(name)
        base = f"{self.address + '.' if self.address else ''}module.{name}"
        keys = self.instance_keys(block, Evaluator(self), f"module.{name}")
        out: list = []
        loc = Location(block.file, block.line, self.call_location)
        for k in keys:
            addr = render_address(base, k)
            local_dir = self.loader.local_module_dir(self, source)
            if local_dir is None:
                out.append(RemoteModuleValue(addr, str(source)))
                continue
            bindings: dict = {}
            if isinstance(k, int) and "count" in block.attrs:
                bindings["count.index"] = k
            elif "for_each" in block.attrs:
                coll = self.for_each_collection(block, Evaluator(self))
                bindings["each"] = {"key": k, "value": coll.get(k) if isinstance(coll, dict) else k}
            out.append(ModuleInst(self.loader, local_dir, addr, self, block, Evaluator(self, bindings), loc))
        self._children[name] = out
        return out

    def child_value(self, name: str) -> Any:
        insts = self.children(name)
        block = self.modules[name]
        vals = [ModuleValue(i) if isinstance(i, ModuleInst) else i for i in insts]
        if "count" in block.attrs:
            return vals
        if "for_each" in block.attrs:
            keys = self.instance_keys(block, Evaluator(self), f"module.{name}")
            return dict(zip(keys, vals))
        return vals[0] if vals else Unknown(NOT_EVALUATED, f"module.{name}")


class _Missing:
    pass


_MISSING = _Missing()


def _convert_type(value: Any, decl: Block) -> Any:
    t = decl.attrs.get("type")
    if t is None or is_symbolic(value) or value is None:
        return value
    tname = source_text(t.expr)
    try:
        if tname == "string" and not isinstance(value, (list, dict)):
            return to_str(value)
        if tname == "number" and isinstance(value, str):
            return _tonumber(value)
        if tname == "bool" and isinstance(value, str):
            return _tobool(value)
    except EvalError:
        return Unknown(UNRESOLVED, f"var.{decl.labels[0]}", f"value does not convert to {tname}")
    return value


# --------------------------------------------------------------------------
# the loader state
# --------------------------------------------------------------------------

_REMOTE_PREFIXES = ("git::", "github.com/", "bitbucket.org/", "s3::", "gcs::", "http://", "https://", "hg::", "git@")


class Loader:
    """Shared state of one evaluation: root values, notes, sensitive values."""

    def __init__(self, root_dir: Path, root_values: dict[str, Any] | None = None):
        self.root_dir = root_dir
        self.root_display = display_path(root_dir)
        self.root_values = root_values or {}
        self.notes: list[str] = []
        self.sensitive: set[str] = set()
        self.evaluating: set = set()

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def mark_sensitive(self, value: Any) -> None:
        if isinstance(value, str):
            if value:
                self.sensitive.add(value)
        elif isinstance(value, list):
            for v in value:
                self.mark_sensitive(v)
        elif isinstance(value, dict):
            for v in value.values():
                self.mark_sensitive(v)

    def root_value(self, name: str, decl: Block) -> Any:
        if name not in self.root_values:
            return _MISSING
        raw = self.root_values[name]
        return raw

    def local_module_dir(self, module: ModuleInst, source: Any) -> Path | None:
        if not isinstance(source, str):
            return None
        if not (source.startswith("./") or source.startswith("../") or source in (".", "..")):
            if source.startswith(_REMOTE_PREFIXES) or "::" in source or source.count("/") >= 2:
                self.note(f"module source {source!r} is not local: its outputs are unknown")
            return None
        path = (module.directory / source).resolve()
        if not path.is_dir():
            self.note(f"module source {source!r} ({display_path(path)}) does not exist: its outputs are unknown")
            return None
        return path


def eval_constant(expr, where: str) -> Any:
    """Evaluate an expression with no references (tfvars, defaults given as text)."""
    dummy = ModuleInst(Loader(Path(".")), Path("."), "")
    dummy._files = []
    dummy.variables = {}
    dummy.local_attrs = {}
    dummy.resources = {}
    dummy.modules = {}
    dummy.outputs = {}
    return _plain(Evaluator(dummy).value(expr, where))
