"""The plan's ``configuration`` section: module tree, expressions, references.

Used to resolve values that are unknown at plan time to the resource
attribute they come from (a :class:`~ctj_policy.model.Ref`), following module
boundaries both ways: ``var.x`` -> the parent module call's expression,
``module.m.out`` -> that module's output expression.  Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..model import Ref

MISSING = object()
MAX_DEPTH = 64

_SEGMENT = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)((?:\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])*)')

Instance = tuple  # (name, index-text or "")


def parse_traversal(text: str) -> list[tuple[str, str]]:
    """``module.a["k"].out`` -> [("module", ""), ("a", '["k"]'), ("out", "")]."""
    out = []
    pos = 0
    while pos < len(text):
        m = _SEGMENT.match(text, pos)
        if not m:
            return []
        out.append((m.group(1), m.group(2) or ""))
        pos = m.end()
        if pos < len(text):
            if text[pos] != ".":
                return []
            pos += 1
    return out


def split_address(address: str) -> tuple[list[Instance], str]:
    """``module.a[0].module.b.aws_x.y[1]`` -> ([("a","[0]"),("b","")], "aws_x.y[1]")."""
    parts = parse_traversal(address)
    modules: list[Instance] = []
    i = 0
    while i + 1 < len(parts) and parts[i][0] == "module" and not parts[i][1]:
        modules.append(parts[i + 1])
        i += 2
    rest = ".".join(n + idx for n, idx in parts[i:])
    return modules, rest


def module_path_of(address: str) -> tuple[str, ...]:
    return tuple(name for name, _ in split_address(address)[0])


def instance_prefix(instances: list[Instance]) -> str:
    return ".".join(f"module.{n}{idx}" for n, idx in instances)


def _strip_resource_index(resource: str) -> tuple[str, str]:
    m = re.match(r"^(.*?)((?:\[[^\]]*\])?)$", resource)
    return (m.group(1), m.group(2)) if m else (resource, "")


class ConfigIndex:
    """Index over ``configuration.root_module`` (module tree by call path)."""

    def __init__(self, configuration: dict, variables: dict):
        root = configuration.get("root_module") if isinstance(configuration, dict) else None
        self.root = root if isinstance(root, dict) else {}
        self.variables = variables if isinstance(variables, dict) else {}
        self._modules: dict[tuple[str, ...], dict] = {}
        self._resources: dict[tuple[str, ...], dict[str, dict]] = {}
        stack: list[tuple[tuple[str, ...], dict]] = [((), self.root)]
        while stack:
            path, module = stack.pop()
            self._modules[path] = module
            for name, call in (module.get("module_calls") or {}).items():
                if isinstance(call, dict) and isinstance(call.get("module"), dict):
                    stack.append((path + (name,), call["module"]))
        self.resolver = _Resolver(self)

    # -- the module tree ---------------------------------------------------
    def module(self, path: tuple[str, ...]) -> dict | None:
        return self._modules.get(path)

    def modules(self) -> Iterator[tuple[str, dict]]:
        """(module address without instance keys, module config), root first."""
        for path in sorted(self._modules, key=lambda p: (len(p), p)):
            yield ".".join(f"module.{n}" for n in path), self._modules[path]

    def module_calls(self) -> Iterator[tuple[str, str, Any]]:
        """(call address, call name, source) for every module call, shallowest first."""
        for address, module in self.modules():
            for name, call in sorted((module.get("module_calls") or {}).items()):
                if isinstance(call, dict):
                    yield (f"{address}.module.{name}" if address else f"module.{name}"), name, call.get("source")

    def root_variables(self) -> dict:
        v = self.root.get("variables")
        return v if isinstance(v, dict) else {}

    def resource(self, path: tuple[str, ...], resource_address: str) -> dict | None:
        if path not in self._resources:
            table = {}
            for res in (self._modules.get(path) or {}).get("resources") or []:
                if isinstance(res, dict) and isinstance(res.get("address"), str):
                    table[res["address"]] = res
            self._resources[path] = table
        return self._resources[path].get(resource_address)


class _Resolver:
    """Callable: (instance address, attribute path, after) -> Ref/value/MISSING."""

    def __init__(self, index: ConfigIndex):
        self.index = index

    def _expression(self, address: str, path: tuple, after: Any = None) -> tuple[list[Instance], Any]:
        instances, resource = split_address(address)
        base, _ = _strip_resource_index(resource)
        conf = self.index.resource(tuple(n for n, _ in instances), base)
        if conf is None:
            return instances, MISSING
        expr: Any = conf.get("expressions") or {}
        node_after = after
        for key in path:
            if isinstance(key, str):
                if not isinstance(expr, dict) or key not in expr:
                    return instances, MISSING
                expr = expr[key]
                node_after = node_after.get(key) if isinstance(node_after, dict) else None
            else:
                if not isinstance(expr, list) or not expr:
                    return instances, MISSING
                block_after = node_after[key] if isinstance(node_after, list) and key < len(node_after) else None
                expr = _pick_block(expr, key, block_after, lambda e: self.resolve_expression(instances, e, 0))
                node_after = block_after
        return instances, expr

    def __call__(self, address: str, path: tuple, after: Any = None) -> Any:
        instances, expr = self._expression(address, path, after)
        if expr is MISSING or not isinstance(expr, dict):
            return MISSING
        return self.resolve_expression(instances, expr, 0)

    def unconfigured(self, address: str, path: tuple) -> bool:
        """True when the resource is in the configuration but sets no such attribute."""
        instances, resource = split_address(address)
        base, _ = _strip_resource_index(resource)
        conf = self.index.resource(tuple(n for n, _ in instances), base)
        if conf is None:
            return False
        expressions = conf.get("expressions") or {}
        return bool(path) and isinstance(path[0], str) and path[0] not in expressions

    # -- resolution ----------------------------------------------------------
    def resolve_expression(self, instances: list[Instance], expr: dict, depth: int) -> Any:
        if depth > MAX_DEPTH:
            return MISSING
        if "constant_value" in expr:
            return expr["constant_value"]
        for ref in expr.get("references") or []:
            if isinstance(ref, str):
                value = self.resolve_reference(instances, ref, depth + 1)
                if value is not MISSING:
                    return value
        return MISSING

    def resolve_reference(self, instances: list[Instance], ref: str, depth: int) -> Any:
        parts = parse_traversal(ref)
        if not parts:
            return MISSING
        head = parts[0][0]
        names = tuple(n for n, _ in instances)
        if head == "var" and len(parts) >= 2:
            var = parts[1][0]
            if not instances:
                entry = self.index.variables.get(var)
                if isinstance(entry, dict) and "value" in entry:
                    return entry["value"]
                return MISSING
            parent = instances[:-1]
            call_name = instances[-1][0]
            parent_conf = self.index.module(names[:-1]) or {}
            call = (parent_conf.get("module_calls") or {}).get(call_name) or {}
            expr = (call.get("expressions") or {}).get(var)
            if not isinstance(expr, dict):
                return MISSING
            return self.resolve_expression(parent, expr, depth)
        if head == "module" and len(parts) >= 3:
            child_name, child_idx = parts[1]
            out_name = parts[2][0]
            child = instances + [(child_name, child_idx)]
            child_conf = self.index.module(names + (child_name,))
            if child_conf is None:
                return MISSING
            output = (child_conf.get("outputs") or {}).get(out_name) or {}
            expr = output.get("expression")
            if not isinstance(expr, dict):
                return MISSING
            return self.resolve_expression(child, expr, depth)
        if head in ("local", "each", "count", "path", "terraform", "self", "module", "var"):
            return MISSING
        prefix = instance_prefix(instances)
        if head == "data":
            if len(parts) < 3:
                return MISSING
            addr = f"data.{parts[1][0]}.{parts[2][0]}{parts[2][1]}"
            attr = parts[3][0] if len(parts) > 3 else ""
        else:
            if len(parts) < 2:
                return MISSING
            addr = f"{parts[0][0]}.{parts[1][0]}{parts[1][1]}"
            attr = parts[2][0] if len(parts) > 2 else ""
        return Ref(f"{prefix}.{addr}" if prefix else addr, attr)


def _pick_block(blocks: list, index: int, after_block: Any, value_of=None) -> Any:
    """The configuration block that produced ``after_block``.

    Nested blocks such as ``load_balancer`` are sets: the plan may order them
    differently from the source.  Match on the attributes whose value the
    configuration decides (constants, or variables that resolve to constants
    through the module calls) first; fall back to the position.
    """
    if isinstance(after_block, dict):
        best, best_score, tie = None, 0, False
        for block in blocks:
            if not isinstance(block, dict):
                continue
            score = 0
            for key, expr in block.items():
                if not isinstance(expr, dict) or key not in after_block or isinstance(after_block[key], (dict, list)):
                    continue
                if "constant_value" in expr:
                    value = expr["constant_value"]
                elif value_of is not None and expr.get("references"):
                    value = value_of(expr)
                    if value is MISSING or isinstance(value, (Ref, dict, list)):
                        continue
                else:
                    continue
                if value == after_block[key]:
                    score += 1
                else:
                    score = -1
                    break
            if score > best_score:
                best, best_score, tie = block, score, False
            elif score == best_score and score > 0:
                tie = True
        if best is not None and not tie:
            return best
    if len(blocks) == 1:
        return blocks[0]
    return blocks[index] if index < len(blocks) else MISSING
