"""The expression evaluator: literals, templates, operators, references, for expressions, calls."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ..model import KNOWN_AFTER_APPLY, NOT_EVALUATED, UNRESOLVED, Ref, Template, Unknown, same_value
from .hcl_functions import SCALAR, STRUCTURAL, _need_known, _tonumber
from .hcl_values import (
    MAX_EVAL_DEPTH,
    EvalError,
    JsonEncoded,
    LimitExceeded,
    ModuleValue,
    Namespace,
    RemoteModuleValue,
    ResourceValue,
    Token,
    _plain,
    _tok,
    _trees,
    _unescape,
    deep_known,
    is_symbolic,
    make_template,
    number,
    source_text,
    to_str,
    unknown_of,
)

if TYPE_CHECKING:  # pragma: no cover
    from .hcl_eval import ModuleInst

# --------------------------------------------------------------------------
# the evaluator
# --------------------------------------------------------------------------


class Evaluator:
    """Evaluates expressions in one module instance with local bindings."""

    def __init__(self, module: ModuleInst, bindings: dict | None = None):
        self.module = module
        self.bindings = bindings or {}

    def with_bindings(self, extra: dict) -> Evaluator:
        return Evaluator(self.module, {**self.bindings, **extra})

    # entry points --------------------------------------------------------

    def value(self, node, where: str = "") -> Any:
        """Evaluate; an invalid expression becomes an Unknown saying why."""
        try:
            return self.eval(node)
        except EvalError as exc:
            return Unknown(UNRESOLVED, where or source_text(node), str(exc))

    def eval(self, node) -> Any:
        budget = self.module.loader.budget
        budget.charge(1)
        if budget.depth >= MAX_EVAL_DEPTH:
            raise LimitExceeded(f"evaluation nested deeper than {MAX_EVAL_DEPTH} levels (the limit)")
        method = getattr(self, "_e_" + node.data, None)
        if method is None:
            return Unknown(NOT_EVALUATED, source_text(node), f"unsupported expression ({node.data})")
        budget.depth += 1
        try:
            return method(node)
        finally:
            budget.depth -= 1

    def checked(self, value: Any, what: str) -> Any:
        return self.module.loader.budget.check(value, what)

    # literals ------------------------------------------------------------

    def _e_expr_term(self, node):
        inner = _trees(node)
        if len(inner) != 1:  # pragma: no cover - grammar guarantees one
            raise EvalError("malformed expression")
        return self.eval(inner[0])

    def _e_int_lit(self, node):
        try:
            return number(int(_tok(node)))
        except ValueError:  # more digits than Python converts
            raise EvalError("number out of range") from None

    def _e_float_lit(self, node):
        try:
            return number(float(_tok(node)))
        except ValueError:  # pragma: no cover - the grammar admits only numbers
            raise EvalError("number out of range") from None

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
                    if c.type == "ESCAPED_INTERPOLATION" or c.type == "ESCAPED_DIRECTIVE":
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
            indent = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
            lines = [ln[indent:] for ln in lines]
        content = "\n".join(lines) + ("\n" if lines else "")
        if "${" in content.replace("$${", "") or "%{" in content.replace("%%{", ""):
            return Unknown(NOT_EVALUATED, "heredoc", "interpolation inside heredocs is not evaluated")
        return content.replace("$${", "${").replace("%%{", "%{")

    def _e_heredoc_template(self, node):
        return self._heredoc(node, False)

    def _e_heredoc_template_trim(self, node):
        return self._heredoc(node, True)

    def _e_tuple(self, node):
        return self.checked([self.eval(c) for c in _trees(node)], "list")

    def _e_object(self, node):
        out: dict = {}
        for elem in _trees(node):
            key_node, val_node = _trees(elem)
            key = self._object_key(key_node)
            if is_symbolic(key):
                return unknown_of(key, "object key")
            out[to_str(key)] = self.eval(val_node)
        return self.checked(out, "object")

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
        return number(-_tonumber(v))

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
            self.checked(a, op)
            self.checked(b, op)
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
        if x is None or y is None:
            raise EvalError(f"null operand of {op}")
        if op == "+":
            return number(x + y)
        if op == "-":
            return number(x - y)
        if op == "*":
            if isinstance(x, int) and isinstance(y, int) and x.bit_length() + y.bit_length() > 2 * 1024:
                raise EvalError("number out of range")
            return number(x * y)
        if op in ("/", "%") and y == 0:
            raise EvalError("division by zero")
        try:
            if op == "/":
                r = x / y
                return number(int(r) if r.is_integer() else r)
            if op == "%":
                return number(x % y)
        except OverflowError:
            raise EvalError("number out of range") from None
        if op not in ("<", ">", "<=", ">="):  # pragma: no cover - the grammar's operators
            raise EvalError(f"unsupported operator {op}")
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
        return self.checked(out, "splat expression")

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
        return self.checked(out_map if is_object else out_list, "for expression")

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
        loader = self.module.loader
        if name == "try":
            last: Exception | None = None
            for a in arg_nodes:
                loader.catching += 1  # an undeclared reference raises here, for try to catch
                try:
                    return self.eval(a)
                except EvalError as exc:
                    last = exc
                finally:
                    loader.catching -= 1
            raise EvalError(f"try: no argument could be evaluated ({last})")
        if name == "can":
            if len(arg_nodes) != 1:
                raise EvalError("can: expects one argument")
            loader.catching += 1
            try:
                v = self.eval(arg_nodes[0])
            except EvalError:
                return False
            finally:
                loader.catching -= 1
            return True if deep_known(v) or not isinstance(v, Unknown) else Unknown(NOT_EVALUATED, "can(...)")
        args = [self.eval(a) for a in arg_nodes]
        if expand and args:
            last_arg = args.pop()
            if is_symbolic(last_arg):
                return unknown_of(last_arg)
            if not isinstance(last_arg, list):
                raise EvalError(f"{name}(): the argument expanded with ... is not a list")
            args.extend(last_arg)
        args = [_plain(a) for a in args]
        budget = self.module.loader.budget
        for a in args:  # every function walks at most what it is given: charge it
            budget.check(a, f"{name}()")
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
            result = fn(*args)
        except (EvalError, LimitExceeded):
            raise
        except (TypeError, ValueError, AttributeError, IndexError, KeyError, ArithmeticError, RecursionError) as exc:
            raise EvalError(f"{name}(): {_reason(exc)}") from None
        return budget.check(number(result), f"{name}()")


def _reason(exc: Exception) -> str:
    """Why a function failed, without echoing argument values (they may be secrets)."""
    if isinstance(exc, (KeyError, IndexError)):
        return "no such element"
    if isinstance(exc, ArithmeticError):
        return "number out of range"
    if isinstance(exc, RecursionError):
        return "value nested too deeply"
    return type(exc).__name__
