"""Terraform's built-in functions, as the HCL evaluator computes them.

``STRUCTURAL`` functions work on collections that may hold symbolic values;
``SCALAR`` ones need every argument known (else the result is unknown).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from ..model import KNOWN_AFTER_APPLY, NOT_EVALUATED, Unknown, same_value
from .hcl_values import (
    EvalError,
    JsonEncoded,
    check_size,
    deep_known,
    is_symbolic,
    number,
    tf_jsonencode,
    to_str,
    unknown_of,
)

_NUMBER_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", re.ASCII)

# --------------------------------------------------------------------------
# functions
# --------------------------------------------------------------------------


def _need_known(name: str, args: list) -> Unknown | None:
    for a in args:
        if not deep_known(a):
            if isinstance(a, Unknown):
                return a
            return Unknown(KNOWN_AFTER_APPLY, f"{name}(...)", "an argument is known only after apply")
    return None


def _tonumber(v: Any) -> Any:
    if isinstance(v, bool):
        raise EvalError("cannot convert bool to number")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        # Terraform's number syntax only: no "nan", "inf", "1_000", " 5" or other digits than 0-9
        if len(v) > 400 or not _NUMBER_RE.fullmatch(v):
            raise EvalError("cannot convert this string to a number")
        try:
            return number(int(v) if v.lstrip("-").isdigit() else float(v))
        except (ValueError, OverflowError):
            raise EvalError("number out of range") from None
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
        check_size(int(width or 0) + int(prec or 0), "format()")
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
        check_size(len(out) + len(x), "concat()")
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
    if not all(isinstance(x, str) for x in (s, old, new)):
        raise EvalError("replace: arguments must be strings")
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        try:
            compiled = _compile(old[1:-1])
        except _NoRE2:  # pragma: no cover
            return Unknown(NOT_EVALUATED, "replace(...)", "google-re2 is not installed")
        out = []
        size = 0
        pos = 0
        for m in _matches(compiled, s):
            piece = s[pos : m.start()] + _expand(new, m, compiled)
            size += len(piece)
            check_size(size, "replace()")
            out.append(piece)
            pos = m.end()
        out.append(s[pos:])
        check_size(size + len(s) - pos, "replace()")
        return "".join(out)
    count = len(s) + 1 if old == "" else s.count(old)
    check_size(len(s) + count * max(0, len(new) - len(old)), "replace()")
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
    out = _unique(v)
    if all(isinstance(x, str) for x in out):
        out.sort()
    return out


def _unique(v: list) -> list:
    """The distinct elements of ``v`` in order (scalars by hashing: a long list stays linear)."""
    seen: set = set()
    out: list = []
    for x in v:
        if isinstance(x, (str, int, float)) and not isinstance(x, bool):
            key = (type(x) is str, x)
            if key in seen:
                continue
            seen.add(key)
        elif any(same_value(x, y) is True for y in out):
            continue
        out.append(x)
    return out


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
        return json.loads(s, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise EvalError("jsondecode: invalid JSON") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


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
    "zipmap": lambda k, v: unknown_of(k) if is_symbolic(k) or is_symbolic(v) else dict(zip(k, v, strict=False)),
    "distinct": lambda v: unknown_of(v) if is_symbolic(v) else _toset_keep_order(v),
    "reverse": lambda v: unknown_of(v) if is_symbolic(v) else list(reversed(v)),
    "slice": lambda v, a, b: unknown_of(v) if is_symbolic(v) else v[int(a) : int(b)],
}


def _toset_keep_order(v: list) -> list:
    return _unique(v)


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
    "join": lambda sep, *ls: _join(sep, ls),
    "split": lambda sep, s: s.split(sep),
    "replace": _replace,
    "substr": lambda s, off, n: s[int(off) :] if int(n) < 0 else s[int(off) : int(off) + int(n)],
    "max": lambda *a: max(a),
    "min": lambda *a: min(a),
    "abs": abs,
    "ceil": math.ceil,
    "floor": math.floor,
    "sort": lambda v: sorted(v),
    "range": lambda *a: _range(*a),
    "index": lambda lst, v: lst.index(v),
    "formatlist": lambda fmt, *ls: [_format(fmt, *row) for row in zip(*ls, strict=False)],
    "regexall": lambda p, s: _regexall(p, s),
    "strrev": lambda s: s[::-1],
    "regex": lambda p, s: _regex(p, s),
}


def _join(sep: str, lists: tuple) -> str:
    items = [to_str(x) for lst in lists for x in lst]
    if any(not isinstance(x, str) for x in items):
        raise EvalError("join: an element is not a string")
    check_size(sum(len(x) for x in items) + len(sep) * len(items), "join()")
    return sep.join(items)


def _range(*args: Any) -> list:
    if not 1 <= len(args) <= 3 or any(isinstance(a, bool) or not isinstance(a, (int, float)) for a in args):
        raise EvalError("range: expects one to three numbers")
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (args[0], args[1], args[2] if len(args) == 3 else 1)
    if step == 0:
        raise EvalError("range: step must not be zero")
    try:
        steps = range(int(start), int(stop), int(step))
    except OverflowError:
        raise EvalError("number out of range") from None
    if int(step) == 0:
        raise EvalError("range: step must not be zero")
    check_size(len(steps), "range()")
    return list(steps)


# --------------------------------------------------------------------------
# regular expressions: RE2 (Terraform's syntax and semantics, linear time)
# --------------------------------------------------------------------------


class _NoRE2(Exception):
    pass


def _compile(pattern: Any):
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a dependency
        raise _NoRE2 from None
    if not isinstance(pattern, str):
        raise EvalError("a regular expression must be a string")
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options=options)
    except re2.error:
        raise EvalError("invalid regular expression (RE2 syntax)") from None


def _match_value(m, compiled) -> Any:
    """Terraform's result for one match: the whole match without capture groups, a map of
    named groups, or a list of unnamed ones (never both kinds)."""
    groups = compiled.groups
    if groups == 0:
        return m.group(0)
    names = compiled.groupindex
    if names:
        if len(names) != groups:
            raise EvalError("regex: named and unnamed capture groups cannot be mixed")
        return {name: m.group(i) for name, i in names.items()}
    return [m.group(i) for i in range(1, groups + 1)]


def _regex(pattern: Any, s: Any) -> Any:
    try:
        compiled = _compile(pattern)
    except _NoRE2:  # pragma: no cover
        return Unknown(NOT_EVALUATED, "regex(...)", "google-re2 is not installed")
    m = compiled.search(s)
    if m is None:
        raise EvalError("regex: no match")
    return _match_value(m, compiled)


def _regexall(pattern: Any, s: Any) -> Any:
    try:
        compiled = _compile(pattern)
    except _NoRE2:  # pragma: no cover
        return Unknown(NOT_EVALUATED, "regexall(...)", "google-re2 is not installed")
    return [_match_value(m, compiled) for m in _matches(compiled, s)]


def _matches(compiled, s: str) -> list:
    """Successive non-overlapping matches; an empty match right after a match is skipped (Go's rule)."""
    out = []
    last_end = -1
    for m in compiled.finditer(s):
        if m.start() == m.end() == last_end:
            continue
        out.append(m)
        last_end = m.end()
    return out


def _expand(template: str, m, compiled) -> str:
    """Go's regexp Expand: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``."""
    out = []
    i = 0
    n = len(template)
    while i < n:
        c = template[i]
        if c != "$" or i + 1 == n:
            out.append(c)
            i += 1
            continue
        if template[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        if template[i + 1] == "{":
            j = template.find("}", i + 2)
            name = template[i + 2 : j] if j > 0 else ""
            end = j + 1
        else:
            j = i + 1
            while j < n and (template[j].isalnum() or template[j] == "_"):
                j += 1
            name = template[i + 1 : j]
            end = j
        if not name or not all(ch.isalnum() or ch == "_" for ch in name):
            out.append("$")
            i += 1
            continue
        i = end
        index = int(name) if name.isdigit() else compiled.groupindex.get(name)
        if index is not None and 0 <= index <= compiled.groups:
            out.append(m.group(index) or "")
    return "".join(out)
