"""Checkov's per-resource conf -> the model.  Standard library only.

This module is imported INSIDE Checkov's own virtual environment (where
python-hcl2 is not installed and must not be), by the custom checks in
``policies/``.  It turns the one resource configuration Checkov hands a
check into a :class:`~ctj_policy.model.Deployment` holding just that
resource, runs the SAME rule functions ctj-policy runs, and keeps only what
those rules can decide about that one resource.

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

Plan mode does not build the model from the conf: it reads the plan file
itself once (:func:`plan_evaluation`: the plan loader's full model, the
engine's ``run_rules`` + ``apply_waivers``) and a check reports the findings
of its rule about the resource Checkov hands it (:func:`plan_verdict`;
findings about no resource the check can see go to the :func:`anchor`, the
CTJ task definition, else the CTJ service).  The per-resource conf -> model
path below is HCL mode only.

``CHECK_MAP`` is the one table mapping Checkov IDs to CTJ rules and saying
which resource types each rule can judge alone; ``docs/checkov.md`` is
generated from it (:func:`mapping_table_markdown`).
"""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..config import DEFAULT, Config
from ..model import (
    FAIL,
    KNOWN_AFTER_APPLY,
    NOT_EVALUATED,
    PASS,
    UNKNOWN,
    UNRESOLVED,
    Deployment,
    Finding,
    Ref,
    Service,
    TaskDefinition,
    Template,
    Unknown,
)
from ..redact import Redactor
from ..rules import ALL_RULES
from ..rules.base import CTJ_SERVICE, CTJ_TASK
from . import build
from .build import ALWAYS_SET, FOR_MESSAGES, PLAIN, known_or_ref, strings
from .containers import parse_container_definitions
from .plan import plan_facts as _read_plan_facts

PLAN = "plan"
HCL = "hcl"

TRUE_AFTER_UNKNOWN = "true_after_unknown"  # checkov.common.util.consts

# --------------------------------------------------------------------------
# the mapping: one Checkov ID per CTJ rule
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckSpec:
    """One Checkov check: its ID, the CTJ rule it runs, what it can see.

    ``resources``/``data``: the resource / data-source types (fnmatch
    patterns, as Checkov accepts) the check is registered for; empty when
    the rule is cross-resource.  ``yaml``: the Checkov YAML graph policy that
    expresses (part of) the rule, when one does.  ``note``: what a
    per-resource check cannot see, for the docs.
    """

    check_id: str
    rule_id: str
    resources: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    yaml: str = ""
    note: str = ""
    hcl: tuple[str, ...] | None = None  # the types judged in HCL mode (None: all of ``resources``)

    @property
    def python(self) -> bool:
        return bool(self.resources or self.data)

    @property
    def hcl_resources(self) -> tuple[str, ...]:
        """What a check judges alone in HCL mode (per resource); the rest of ``resources`` is plan mode only."""
        return self.resources if self.hcl is None else self.hcl

    def registered(self, resource_type: str) -> bool:
        return any(fnmatch.fnmatchcase(resource_type, t) for t in self.resources)


# one Checkov check per rule, from the rule's own metadata (ctj_policy/rules/ctjNNN.py: RULE)
CHECK_MAP: tuple[CheckSpec, ...] = tuple(
    CheckSpec(r.checkov_id, r.id, r.resource_types, r.checkov.data, r.checkov.yaml, r.checkov.note, r.checkov.hcl) for r in ALL_RULES
)

BY_CHECK_ID = {s.check_id: s for s in CHECK_MAP}
BY_RULE_ID = {s.rule_id: s for s in CHECK_MAP}


def mapping_table_markdown() -> str:
    """The docs table (docs/checkov.md embeds it verbatim; a test keeps them equal)."""
    from ..rules import RULES_BY_ID

    lines = [
        "| Checkov ID | CTJ rule | title | Checkov check | resource types (plan mode) | HCL mode (per resource) | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in CHECK_MAP:
        rule = RULES_BY_ID[s.rule_id]
        kinds = []
        if s.python:
            kinds.append("Python")
        if s.yaml:
            kinds.append(f"YAML (`policies/{s.yaml}`)")
        types = ", ".join(f"`{t}`" for t in s.resources)
        hcl = ", ".join(f"`{t}`" for t in s.hcl_resources) if s.hcl is not None else "same"
        if s.data:
            hcl += ", data " + ", ".join(f"`{t}`" for t in s.data)
        lines.append(
            f"| {s.check_id} | {s.rule_id} | {rule.title} | {' + '.join(kinds) or '-'} | {types or '-'} | {hcl or '- (plan mode only)'} | {s.note or '-'} |"
        )
    return "\n".join(lines) + "\n"


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


def _module_prefix(address: str) -> str:
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
        self.prefix = _module_prefix(address)
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
                return Unknown(KNOWN_AFTER_APPLY, f"{self.where}.{key}", "Checkov's plan conf omits values known only after apply")
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
            return val[0] if isinstance(val[0], Unknown) else Unknown(UNRESOLVED, f"{self.where}.{key}", f"{val[0].describe()} is not known")
        return tuple(val) if isinstance(val, list) else val

    def blocks(self, key: str) -> list["_Conf"]:
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
                "it interpolates values known only after apply; Checkov's plan conf does not hold it (ctj-policy check --source-dir can evaluate it)",
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
        return v0 if isinstance(v0, Unknown) else Unknown(KNOWN_AFTER_APPLY, where, f"{v0.describe()} is known only after apply")
    return parse_container_definitions(value, where, sensitive)


# --------------------------------------------------------------------------
# resource types -> model objects (the shared builder)
# --------------------------------------------------------------------------


def add_resource(
    dep: Deployment, rtype: str, address: str, conf: dict, mode: str, *, block_type: str = "resource", sensitive: Iterable[str] = ()
) -> None:
    """Add the model object(s) for one Checkov resource conf to ``dep`` (``build.add_resource``).

    ``sensitive``: the strings the plan marks sensitive (``plan_facts``), which
    Checkov's conf does not carry; env values among them are sensitive, as in
    ``load_plan``."""
    view = _Conf(conf, _Values(address, mode, sensitive), address)
    build.add_resource(dep, "data" if block_type == "data" else "managed", rtype, address, view)


# --------------------------------------------------------------------------
# scope (SPEC section 3, mirrored per resource)
# --------------------------------------------------------------------------

SCOPE_ENV = "CTJ_POLICY_SCOPE"


def _under(address: str, prefix: str) -> bool:
    return not prefix or (address.startswith(prefix) and address[len(prefix) : len(prefix) + 1] in (".", "["))


@dataclass(frozen=True)
class PlanFacts:
    """What a per-resource check needs from the whole plan file and Checkov's conf lacks."""

    scope: str  # ctj-policy's scope prefix ("" = the whole plan)
    sensitive: frozenset[str]  # the strings load_plan treats as sensitive
    ctj_task: str | None  # address of THE CTJ task (common.ctj_task), when there is one
    ctj_service: str | None  # address of the service running it (common.ctj_service)


@dataclass(frozen=True)
class PlanEvaluation:
    """ctj-policy's own evaluation of a whole plan file, computed once per file.

    The plan loader builds the FULL model (``load_plan(validate=False)``), the
    engine runs every rule on it and applies the waivers (``run_rules``,
    ``apply_waivers``), exactly as ``ctj-policy check`` does; a plan-mode
    check only picks, from these results, the ones about the resource
    Checkov hands it (:func:`plan_verdict`).  Nothing here decides an
    invariant.
    """

    facts: PlanFacts
    results: dict  # rule_id -> tuple[Result, ...] (waived results have status "waived")
    resources: tuple  # (address, type) of every in-scope resource Checkov can hand a check
    secrets: frozenset  # everything load_plan redacts


_plan_evaluations: dict[tuple, PlanEvaluation | None] = {}


def plan_evaluation(plan_path: str, config: Config = DEFAULT, option: str | None = None) -> PlanEvaluation | None:
    """The whole-plan evaluation of ``plan_path`` (cached per path, mtime, size,
    scope and configuration).  ``option``: the scope (default: env
    CTJ_POLICY_SCOPE, else the configuration's).  None when the file cannot
    be read as a plan (a check then reports nothing: no guessing)."""
    option = (option if option is not None else os.environ.get(SCOPE_ENV, "")).strip() or config.scope
    path = os.path.abspath(plan_path)
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (path, st.st_mtime_ns, st.st_size, option, config)
    if key in _plan_evaluations:
        return _plan_evaluations[key]
    from ..engine import apply_waivers, run_rules
    from ..queries import ctj_service, ctj_task
    from .plan import load_plan

    evaluation: PlanEvaluation | None = None
    try:
        _doc, sensitive = _read_plan_facts(path, config)
        loaded = load_plan(path, config, scope=option, validate=False)
        dep = loaded.deployment
        task = ctj_task(dep, config)
        service = ctj_service(dep, config, task) if task is not None else None
        facts = PlanFacts(
            loaded.info.scope,
            frozenset(sensitive),
            task.address if task is not None else None,
            service.address if isinstance(service, Service) else None,
        )
        secrets = frozenset(sensitive) | frozenset(dep.redact) | frozenset(_secrets(dep, config))
        # expired waivers are reported by ctj-policy as separate rows, not as rule findings
        waived = apply_waivers(run_rules(dep, config), [*config.waivers, *dep.waivers]).results
        results: dict = {}
        for r in waived:
            results.setdefault(r.rule_id, []).append(r)
        resources = {}
        for res in dep.all_resources():
            if res.type == "module" or getattr(res, "kind", "resource") == "data":
                continue  # module calls are no resources; plan-mode Checkov never hands a check a data source
            address = res.address.split(".ingress[", 1)[0] if res.type == "aws_security_group" else res.address
            resources[address] = res.type
        evaluation = PlanEvaluation(facts, {k: tuple(v) for k, v in results.items()}, tuple(sorted(resources.items())), secrets)
    except Exception:  # noqa: BLE001 - a check must never crash Checkov's run: unreadable = UNKNOWN
        evaluation = None
    if len(_plan_evaluations) > 64:
        _plan_evaluations.clear()
    _plan_evaluations[key] = evaluation
    return evaluation


def plan_facts(plan_path: str, config: Config = DEFAULT, option: str | None = None) -> PlanFacts | None:
    """The plan file's scope, sensitive strings, CTJ task and CTJ service, computed
    by ctj-policy's own plan loader (``load_plan(validate=False)``,
    ``plan.plan_facts``) and rule helpers (``ctj_task``, ``ctj_service``);
    cached per file (:func:`plan_evaluation`).  None when the file cannot be
    read as a plan."""
    evaluation = plan_evaluation(plan_path, config, option)
    return evaluation.facts if evaluation is not None else None


def plan_scope(plan_path: str, config: Config = DEFAULT) -> str | None:
    """ctj-policy's scope for a plan file (cached); None when unreadable."""
    facts = plan_facts(plan_path, config)
    return facts.scope if facts is not None else None


def project_module_name(config: Config = DEFAULT) -> str:
    """``projects/civic-tech-jobs`` -> ``civic-tech-jobs``: the module call name the incubator uses."""
    return config.project_source_suffix.rstrip("/").rsplit("/", 1)[-1]


def scope_for(address: str, *, plan_path: str | None = None, option: str | None = None, config: Config = DEFAULT) -> str | None:
    """The CTJ scope prefix that applies to ``address`` ("" = everything), or
    None when the address is outside the CTJ subtree.

    ``option`` (default: env CTJ_POLICY_SCOPE, else ``auto``): ``root``/``all``
    = everything; ``module.x`` = that subtree; ``auto`` = ctj-policy's rule:
    in plan mode the module call whose source ends in ``projects/civic-tech-jobs``
    (read from the plan's configuration), else the whole plan; in HCL mode
    (no sources available to a check) the module call named
    ``civic-tech-jobs`` at any depth.
    """
    option = (option if option is not None else os.environ.get(SCOPE_ENV, "auto")).strip() or "auto"
    if plan_path:
        scope = plan_scope(plan_path, config)
        if scope is not None:
            return scope if _under(address, scope) else None
    if option in ("root", "all", "."):
        return ""
    if option != "auto":
        return option if _under(address, option) else None
    name = re.escape(project_module_name(config))
    m = re.match(rf"^((?:module\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.)*?module\.{name}(?:\[[^\]]*\])?)\.", address)
    return m.group(1) if m else None


# --------------------------------------------------------------------------
# verdicts
# --------------------------------------------------------------------------


@dataclass
class Verdict:
    """What a per-resource check concludes: pass/fail/unknown, with the findings behind it."""

    status: str  # PASS | FAIL | UNKNOWN
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    secrets: frozenset = frozenset()  # never shown: sensitive and secret-looking values

    @property
    def message(self) -> str:
        text = "; ".join(f.message for f in self.findings) if self.findings else self.reason
        return Redactor(self.secrets).text(text) or ""


def belongs(finding_address: str | None, address: str) -> bool:
    """Is a finding about ``address`` (or one of its parts, e.g. ``sg.ingress[0]``)?"""
    if not finding_address:
        return False
    return finding_address == address or finding_address.startswith(address + ".") or finding_address.startswith(address + "[")


def resource_status(findings: Iterable[Finding], address: str) -> str | None:
    """ctj-policy's verdict on one resource from a rule's findings on the WHOLE model:
    fail/unknown when a finding about the resource says so, else pass."""
    mine = [f for f in findings if belongs(f.address, address)]
    if any(f.status == FAIL for f in mine):
        return FAIL
    if any(f.status == UNKNOWN for f in mine):
        return UNKNOWN
    return PASS


def _stub_task_for(service: Service) -> TaskDefinition:
    """The task a service runs, contents not visible to a per-resource check.

    CTJ026 finds 'the service that runs the CTJ task'; a per-service check
    supplies that task as a stub so the rule judges the service itself.
    Findings about the stub are ignored (it is not the checked resource).
    """
    td = service.task_definition
    if isinstance(td, Ref):
        address = td.address
        arn: Any = td
    else:
        address = f"{service.address}#task_definition"
        arn = td if isinstance(td, str) else Ref(address, "arn")
        if not isinstance(td, str):
            service.task_definition = Ref(address, "arn")
    return TaskDefinition(
        address,
        type="aws_ecs_task_definition",
        family=Unknown(NOT_EVALUATED, address, "not visible to a per-resource check"),
        containers=Unknown(NOT_EVALUATED, address, "not visible to a per-resource check"),
        volumes=Unknown(NOT_EVALUATED, address),
        arn=arn,
    )


def deployment_for(
    conf: dict,
    resource_type: str,
    *,
    address: str,
    mode: str,
    block_type: str = "resource",
    rule_id: str = "",
    sensitive: Iterable[str] = (),
) -> Deployment:
    """A Deployment holding just this resource (plus the stub context a rule needs)."""
    dep = Deployment(scope="")
    dep.redact.update(sensitive)
    add_resource(dep, resource_type, address, conf, mode, block_type=block_type, sensitive=sensitive)
    if rule_id == "CTJ026":
        for svc in list(dep.services):
            stub = _stub_task_for(svc)
            dep.task_definitions.append(stub)
            dep.notes.append(f"stub:{stub.address}")
    return dep


def data_address(address: str, data_type: str) -> str:
    """Checkov names a data source ``module.m.aws_db_instance.x``; Terraform ``module.m.data.aws_db_instance.x``."""
    prefix = _module_prefix(address)
    rest = address[len(prefix):]
    if rest.startswith("data."):
        return address
    return f"{prefix}data.{rest}"


def check_resource(
    rule_id: str,
    conf: dict,
    resource_type: str,
    *,
    scanned_file: str = "",
    plan_path: str | None = None,
    block_type: str = "resource",
    config: Config = DEFAULT,
) -> Verdict:
    """Run CTJ rule ``rule_id`` on one Checkov resource conf.

    PASS/FAIL only when the rule, run on a model holding just this resource,
    decides about THIS resource and nothing outside it is undecided or
    failing (a finding about the missing rest of the plan means the partial
    model cannot judge); otherwise UNKNOWN (Checkov leaves it out of the
    report).  Resources outside the CTJ scope are UNKNOWN too: they are not
    CTJ's.

    Plan mode needs the plan file itself (``plan_path``; else ``scanned_file``
    as given or under the working directory): its scope and the values it marks
    sensitive are not in the conf.  Without a readable plan the verdict is
    UNKNOWN, never a guess.
    """
    from ..rules import RULES_BY_ID

    address = conf.get("__address__") if isinstance(conf, dict) else None
    if not isinstance(address, str) or not address:
        return Verdict(UNKNOWN, reason="Checkov gave no resource address")
    if block_type == "data":
        address = data_address(address, resource_type)
    mode = PLAN if (plan_path or scanned_file).lower().endswith(".json") or "__change_actions__" in conf else HCL
    if mode == PLAN:
        candidates = [plan_path] if plan_path else [scanned_file, os.path.join(os.getcwd(), scanned_file.lstrip("/"))]
        found = next((c for c in candidates if c and os.path.isfile(c) and plan_evaluation(c, config) is not None), None)
        if found is None:
            return Verdict(UNKNOWN, reason=f"the plan file Checkov scans ({plan_path or scanned_file!r}) was not found or is not a plan")
        return plan_verdict(rule_id, address, resource_type, plan_evaluation(found, config), block_type=block_type)
    spec = BY_RULE_ID[rule_id]
    if not any(fnmatch.fnmatchcase(resource_type, t) for t in (spec.hcl_resources if block_type == "resource" else spec.data)):
        return Verdict(UNKNOWN, reason=f"{rule_id} on {resource_type} needs the whole plan: plan mode only (HCL: run ctj-policy)")
    scope = scope_for(address, config=config)
    if scope is None:
        return Verdict(UNKNOWN, reason=f"{address} is outside the CTJ scope")
    rule = RULES_BY_ID[rule_id]
    dep = deployment_for(conf, resource_type, address=address, mode=mode, block_type=block_type, rule_id=rule_id)
    findings = list(rule.check(dep, config))
    mine = [f for f in findings if belongs(f.address, address)]
    stubs = {n[5:] for n in dep.notes if n.startswith("stub:")}
    others = [f for f in findings if not belongs(f.address, address) and f.address not in stubs]
    secrets = frozenset(_secrets(dep, config))
    if any(f.status == FAIL for f in mine):
        return Verdict(FAIL, [f for f in mine if f.status == FAIL], secrets=secrets)
    if any(f.status == UNKNOWN for f in mine):
        return Verdict(UNKNOWN, [f for f in mine if f.status == UNKNOWN], secrets=secrets)
    if any(f.status != PASS for f in others):
        return Verdict(
            UNKNOWN, [f for f in others if f.status != PASS], reason="the rule needs resources a per-resource check cannot see", secrets=secrets
        )
    return Verdict(PASS, [f for f in findings if f.status == PASS], secrets=secrets)


def anchor(spec: CheckSpec, evaluation: PlanEvaluation) -> str | None:
    """The one resource a plan-mode check reports a rule's address-less findings on.

    The CTJ ``aws_ecs_task_definition`` (``common.ctj_task``) when the check is
    registered for task definitions, else (or when there is none) the CTJ
    ``aws_ecs_service`` (``common.ctj_service``) when registered for services;
    None when neither is there (those findings then reach no Checkov check:
    ctj-policy only).
    """
    present = dict(evaluation.resources)
    for address in (evaluation.facts.ctj_task, evaluation.facts.ctj_service):
        if address and address in present and spec.registered(present[address]):
            return address
    return None


def orphaned(result, spec: CheckSpec, evaluation: PlanEvaluation) -> bool:
    """A finding no plan-mode check of ``spec`` would see on its own resource:
    no address, or one naming no resource the check is registered for (a
    module call, a data source, another type)."""
    return not any(belongs(result.address, a) for a, t in evaluation.resources if spec.registered(t))


def plan_verdict(rule_id: str, address: str, resource_type: str, evaluation: PlanEvaluation, *, block_type: str = "resource") -> Verdict:
    """Plan mode: ctj-policy's verdict (whole plan, every rule, waivers) on the one
    resource Checkov hands a check.

    The findings of ``rule_id`` about ``address`` (:func:`belongs`), plus, on
    the :func:`anchor` resource, the findings about no resource the check can
    see (:func:`orphaned`): FAILED when any fails, not reported (UNKNOWN) when
    any is unknown, else PASSED.  Resources outside the CTJ scope, and tasks /
    services a CTJ-task rule does not judge (another task than THE CTJ task),
    are not reported, as ctj-policy says nothing about them.
    """
    spec = BY_RULE_ID[rule_id]
    facts = evaluation.facts
    if block_type != "resource":
        return Verdict(UNKNOWN, reason="plan-mode Checkov hands no data source to a check")  # defensive
    if not _under(address, facts.scope):
        return Verdict(UNKNOWN, reason=f"{address} is outside the CTJ scope")
    subject = _subject(rule_id, resource_type, block_type, facts)
    if subject is not None and subject != address:
        return Verdict(UNKNOWN, reason=f"{address} is not what ctj-policy's {rule_id} judges ({subject or 'nothing'})")
    results = evaluation.results.get(rule_id, ())
    mine = [r for r in results if belongs(r.address, address)]
    if address == anchor(spec, evaluation):
        mine += [r for r in results if orphaned(r, spec, evaluation)]
    secrets = evaluation.secrets
    if any(r.status == FAIL for r in mine):
        return Verdict(FAIL, [r for r in mine if r.status == FAIL], secrets=secrets)
    if any(r.status == UNKNOWN for r in mine):
        return Verdict(UNKNOWN, [r for r in mine if r.status == UNKNOWN], secrets=secrets)
    return Verdict(PASS, [r for r in mine if r.status == PASS], secrets=secrets)


# rules that judge THE CTJ task only (common.ctj_task / role_scope), or the service running it
CTJ_TASK_RULES = frozenset(r.id for r in ALL_RULES if r.applies_to == CTJ_TASK)
CTJ_SERVICE_RULES = frozenset(r.id for r in ALL_RULES if r.applies_to == CTJ_SERVICE)


def _subject(rule_id: str, resource_type: str, block_type: str, facts: PlanFacts) -> str | None:
    """The one resource of this type the rule judges in the plan (None: it judges every one).

    With several task definitions in scope (CTJ001 fails), ctj-policy's
    container rules judge only the CTJ task (the one with the most recognized
    roles) and CTJ026 only the service running it; a check on any other
    task/service reports nothing, as ctj-policy says nothing about it.
    """
    if block_type != "resource":
        return None
    if rule_id in CTJ_TASK_RULES and resource_type == "aws_ecs_task_definition":
        return facts.ctj_task or ""
    if rule_id in CTJ_SERVICE_RULES and resource_type == "aws_ecs_service":
        return facts.ctj_service or ""
    return None


def _secrets(dep: Deployment, config: Config) -> set[str]:
    """What load_plan redacts: the plan's sensitive values and secret-looking env values."""
    return set(dep.redact) | set(build.secret_env_values(dep.task_definitions, config.is_secret_name))


__all__ = [
    "CHECK_MAP",
    "PlanEvaluation",
    "anchor",
    "orphaned",
    "plan_evaluation",
    "plan_verdict",
    "CTJ_SERVICE_RULES",
    "CTJ_TASK_RULES",
    "PlanFacts",
    "plan_facts",
    "BY_CHECK_ID",
    "BY_RULE_ID",
    "CheckSpec",
    "Verdict",
    "add_resource",
    "check_resource",
    "deployment_for",
    "mapping_table_markdown",
    "resource_status",
    "scope_for",
    "belongs",
    "data_address",
]
