"""Terraform's built-in functions, as the HCL evaluator computes them.

``STRUCTURAL`` functions work on collections that may hold symbolic values;
``SCALAR`` ones need every argument known (else the result is unknown).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Callable

from ..model import KNOWN_AFTER_APPLY, Unknown, same_value
from .hcl_values import EvalError, JsonEncoded, deep_known, is_symbolic, tf_jsonencode, to_str, unknown_of

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
