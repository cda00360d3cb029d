"""A pull-request comment (``--format markdown``).

A summary line, the few changes that clear most findings (an ordered list of
the failing rules with how many findings each clears, counting the results
that follow from it), a table of the failing and undecided results with their
locations (a result that follows from another is not a row of its own: its
cause's row names it), the waived and passing results in collapsed ``<details>``, and a
Mermaid ``flowchart`` of what the input deploys (from
:mod:`ctj_policy.topology`: listener rules -> target groups -> containers ->
Postgres -> volume / secret), with failing nodes and edges marked.

The first line is an HTML comment (``MARKER``) a workflow can search for to
update its previous comment instead of adding a new one.

The comment is bounded for real: at most ``GITHUB_COMMENT_LIMIT`` characters,
whatever the input.  Sections are filled by priority (the summary, then the
failing and undecided results, the diagram, the waived, the passing ones);
a section that does not fit is cut at a row boundary and says how many rows
it left out and where the full report is.  Every piece is rendered once, so
the time is linear in the report.
"""

from __future__ import annotations

from typing import Any

from ..model import FAIL, PASS, UNKNOWN, WAIVED, Report, Result
from . import baseline_summary, locations, report_notes
from .escape import visible
from .grouping import changes, follow_note, grouped

MARKER = "<!-- ctj-policy-report -->"
GITHUB_COMMENT_LIMIT = 65536  # characters GitHub accepts in one comment
CELL_LIMIT = 1500  # characters of one table cell (a message), before escaping
# Mermaid refuses a diagram over 50,000 characters (its maxTextSize) and more than 500 edges
DIAGRAM_TEXT_LIMIT = 40000
DIAGRAM_EDGE_LIMIT = 400
FULL_REPORT = (
    "the full report is in this run's JSON, SARIF or JUnit output "
    "(the report artifact or code-scanning upload of the CI job; locally `--format json --output report.json`)"
)

_ICON = {FAIL: "\u274c", UNKNOWN: "\u2753", WAIVED: "\U0001f515", PASS: "\u2705"}


def render(
    report: Report, *, diagram: bool = True, redactor: Any = None, limit: int = GITHUB_COMMENT_LIMIT, **_: Any
) -> str:
    results = sorted(report.results, key=Result.sort_key)
    problems = [r for r in results if r.status in (FAIL, UNKNOWN)]
    known = [r for r in problems if baseline_summary.is_known(r)]  # with --baseline: collapsed, after the new ones
    problems = [r for r in problems if not baseline_summary.is_known(r)]
    waived = [r for r in results if r.status == WAIVED]
    passing = [r for r in results if r.status == PASS]

    summary = redactor.text(_summary(report), ESCAPES) if redactor is not None else _summary(report)  # as printed
    head = [MARKER, f"## {_cell(report.tool_name)}: CTJ Stage 1 deployment check", "", summary, ""]
    budget = _Budget(limit - _size(head))

    # filled by priority: the changes that clear most, the problems, the diagram, the waived, the passing results
    lead_part = budget.take(lead_section(problems)) if problems else []
    # filled by priority: the notes, the problems, the diagram, the waived, the passing results
    notes = report_notes(report)
    notes_part = (
        budget.section(["### Not checked", ""], [f"- {_cell(_shorten(n))}" for n in notes], [""], "notes")
        if notes
        else []
    )
    if problems:
        shown, under = grouped(problems)  # a consequence is shown once, under its cause
        problem_part = budget.section(
            [f"### {'New: f' if baseline_summary.used(report) else 'F'}ailing and undecided", "", *_TABLE_HEAD],
            _table_rows(shown, report, under),
            [""],
            "failing and undecided results",
        )
    else:
        problem_part = budget.take([f"No {'new ' if baseline_summary.used(report) else ''}failing or undecided results.", ""])
    diagram_part = budget.take(_diagram_section(report, redactor), fallback=_diagram_omitted()) if diagram else []
    known_part = (
        budget.details(f"Known, recorded in the baseline ({len(known)})", _table_rows(known, report), "known results",
                       _TABLE_HEAD)
        if known
        else []
    )
    fixed_part = _fixed_section(report, budget)
    waived_part = (
        budget.details(f"Waived ({len(waived)})", _table_rows(waived, report), "waived results", _TABLE_HEAD)
        if waived
        else []
    )
    passing_rows = [
        f"- {_ICON[PASS]} **{_cell(r.rule_id)}** {_cell(r.title)}: {_cell(_shorten(r.message))}" for r in passing
    ]
    passing_part = budget.details(f"Passing ({len(passing)})", passing_rows, "passing results") if passing else []

    text = "\n".join(head + notes_part + lead_part + problem_part + known_part + fixed_part + waived_part + passing_part
                     + diagram_part).rstrip("\n") + "\n"
    if len(text) > limit:  # the budget counted every line: a guard, never a comment GitHub refuses
        cut = max(text.rfind("\n", 0, limit - 400), 0)
        text = text[:cut] + f"\n\n_Cut to fit a GitHub comment; {FULL_REPORT}._\n"
    return text


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


class _Budget:
    """Characters left for the comment; hands out whole lines and rows while they fit.

    ``RESERVE`` characters stay back for the notes that say what was left out
    (one per section at most, each under ``NOTE``)."""

    NOTE = 400
    RESERVE = 4 * NOTE

    def __init__(self, left: int):
        self.left = left - self.RESERVE

    def take(self, lines: list[str], fallback: list[str] | None = None) -> list[str]:
        """All of ``lines`` when they fit, else ``fallback`` (a short note, paid from the reserve)."""
        if _size(lines) <= self.left:
            self.left -= _size(lines)
            return lines
        return fallback or []

    def section(self, before: list[str], rows: list[str], after: list[str], what: str) -> list[str]:
        """``before``, as many ``rows`` as fit, a note saying how many did not, ``after``."""
        fixed = _size(before) + _size(after)
        if fixed + _size(rows) <= self.left:
            self.left -= fixed + _size(rows)
            return [*before, *rows, *after]
        kept: list[str] = []
        room = self.left - fixed
        for row in rows:
            if len(row) + 1 > room:
                break
            kept.append(row)
            room -= len(row) + 1
        self.left = 0  # what follows gets only its note, from the reserve
        note = (
            f"_Showing {len(kept)} of {len(rows)} {what} to fit a GitHub comment "
            f"({GITHUB_COMMENT_LIMIT:,} characters); {FULL_REPORT}._"
        )
        if not kept:
            return [note, ""]
        return [*before, *kept, "", note, *after]

    def details(self, summary: str, rows: list[str], what: str, head: list[str] = ()) -> list[str]:
        return self.section(
            ["<details>", f"<summary>{_cell(summary)}</summary>", "", *head], rows, ["", "</details>", ""], what
        )


def _summary(report: Report) -> str:
    c = report.counts()
    verdict = "\u274c **failed**" if report.exit_code else "\u2705 **passed**"
    parts = [f"{c[FAIL]} failing", f"{c[UNKNOWN]} undecided", f"{c[PASS]} passing", f"{c[WAIVED]} waived"]
    where = f"{_cell(report.input.kind)} `{_code(report.input.path)}`"
    if report.input.scope:
        where += f", scope `{_code(report.input.scope)}`"
    if report.input.terraform_version:
        where += f", Terraform {_cell(report.input.terraform_version)}"
    unknown_note = (
        " (undecided results do not fail the gate: `--allow-unknown`)" if report.allow_unknown and c[UNKNOWN] else ""
    )
    known = ""
    if baseline_summary.used(report):
        known = f"; {baseline_summary.summary(report)} (`{_code(baseline_summary.path(report))}`)"
    return f"{verdict}: {', '.join(parts)}{unknown_note}{known} \u2014 {where}; exit code {report.exit_code}"


def _fixed_section(report: Report, budget: _Budget) -> list[str]:
    """With --baseline: the entries it records that were not found (collapsed)."""
    fixed = baseline_summary.fixed(report)
    if not fixed:
        return []
    rows = [
        f"- **{_cell(e['rule_id'])}** `{_code(_shorten(e['address'] or '-', 300))}` ({_cell(_shorten(e['subject'], 300))})"
        for e in fixed
    ]
    head = ["Regenerate the baseline (`ctj-policy baseline`) so these entries leave it.", ""]
    return budget.details(f"Fixed since the baseline ({len(fixed)})", rows, "fixed baseline entries", head)


_TABLE_HEAD = ["| Status | Rule | Severity | Finding | Location |", "|---|---|---|---|---|"]


LEAD_ITEMS = 5  # changes listed before "and N more"


def lead_section(problems: list[Result]) -> list[str]:
    """The few changes that clear most findings: an ordered list, most first, with counts."""
    found = changes(problems)
    lines = ["### The few changes that clear most findings", ""]
    for i, c in enumerate(found[:LEAD_ITEMS], 1):
        noun = "finding" if c.clears == 1 else "findings"
        how = f" ({c.own} + {c.follows} that follow from it)" if c.follows else ""
        lines.append(f"{i}. **{_cell(c.rule_id)}** {_cell(c.title)}: clears {c.clears} {noun}{how}")
    rest = found[LEAD_ITEMS:]
    if rest:
        n = sum(c.clears for c in rest)
        lines.append(f"\n_\u2026and {len(rest)} more {'rule' if len(rest) == 1 else 'rules'} with {n} "
                     f"{'finding' if n == 1 else 'findings'}, in the table below._")
    return lines + [""]


def _table_rows(results: list[Result], report: Report, under: dict[int, list[Result]] | None = None) -> list[str]:
    rows = []
    for r in results:
        status = r.status
        if r.status == UNKNOWN:
            status = "unknown (not gating)" if report.allow_unknown or r.severity != "error" else "unknown (gating)"
        if baseline_summary.is_known(r):
            status = f"{r.status} (known, baseline)"
        elif r.baseline:
            status += " (new)"
        finding = _cell(_shorten(r.message))
        follows = (under or {}).get(id(r))
        if follows:
            finding += f"<br>\u21b3 {_cell(follow_note(follows))}"
        rows.append(
            f"| {_ICON.get(r.status, '')} {_cell(status)} | **{_cell(r.rule_id)}** {_cell(r.title)} "
            f"| {_cell(r.severity)} "
            f"| {finding} | {_location(r, report)} |"
        )
    return rows


def _location(r: Result, report: Report) -> str:
    bits = []
    place = locations.placement(r, report)
    if place.primary is not None and place.primary.file:
        bits.append(f"`{_code(_shorten(f'{place.primary.file}:{place.primary.line}', 300))}`")
        for rel in locations.inward(place):  # the block inside the shared module
            bits.append(f"via `{_code(_shorten(f'{rel.location.file}:{rel.location.line}', 300))}`")
    if r.address:
        bits.append(f"`{_code(_shorten(r.address, 300))}`")
    if not bits:
        bits.append(f"`{_code(_shorten(report.input.path, 300))}`")
    return "<br>".join(bits)


def _shorten(text: Any, limit: int = CELL_LIMIT) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def _cell(text: Any) -> str:
    """Text safe inside a table cell and inline HTML (control characters spelled out)."""
    s = visible(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")
    return s


def _code(text: Any) -> str:
    """Text safe inside a single-backtick code span in a table cell."""
    s = visible(text)
    return s.replace("`", "'").replace("|", "\\|").replace("\r", "").replace("\n", " ")


# --------------------------------------------------------------------------
# Mermaid
# --------------------------------------------------------------------------

_SHAPES = {
    "route": ('["', '"]'),
    "target_group": ('(["', '"])'),
    "container": ('["', '"]'),
    "database": ('[("', '")]'),
    "managed_database": ('[("', '")]'),
    "volume": ('[/"', '"/]'),
    "secret": ('{{"', '"}}'),
    "workflow_image": ('>"', '"]'),
    "workflow_missing": ('>"', '"]'),
    "workflow_redeploy": ('[["', '"]]'),
}
FAIL_COLOR = "#d1242f"


def _diagram_section(report: Report, redactor: Any = None) -> list[str]:
    if report.deployment is None:
        return ["### What the plan deploys", "", "_No deployment model attached to this report._", ""]
    from ..topology import build

    redact = redactor.text if redactor is not None else None
    graph = build(report.deployment, report.results, getattr(report, "config", None), redact=redact)
    lines = ["### What the plan deploys", ""]
    if graph.empty:
        return lines + ["_Nothing in scope deploys an ECS task, target group or listener rule._", ""]
    chart = mermaid(graph)
    if _size(chart) > DIAGRAM_TEXT_LIMIT or len(graph.edges) > DIAGRAM_EDGE_LIMIT:
        return lines + [
            f"_The diagram ({len(graph.nodes)} elements, {len(graph.edges)} links) is too large to draw in a comment._",
            "",
        ]
    lines += ["```mermaid", *chart, "```", ""]
    if any(n.failing for n in graph.nodes) or any(e.failing for e in graph.edges):
        lines += ["Red, \u274c: a failing rule concerns that element (thick red arrows: failing links).", ""]
    if any(e.dashed for e in graph.edges):
        lines += ["Dashed arrows: a deploy workflow's image or redeploy that does not (red) or may not meet the task.", ""]
    return lines


def _diagram_omitted() -> list[str]:
    return ["### What the plan deploys", "", f"_The diagram is left out to fit a GitHub comment; {FULL_REPORT}._", ""]


def mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: entity-escaped, newlines as <br/>, control characters spelled out."""
    s = visible(text).replace("#", "#35;")
    s = s.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;").replace("`", "#96;")
    s = s.replace("\r", "").replace("\n", "<br/>")
    return s


ESCAPES = (_cell, _code, mermaid_text)  # for the final redaction pass (ctj_policy.reporters.render)


def _rule_list(rules: tuple[str, ...], most: int = 4) -> str:
    """The failing rules' IDs for a label: a few, then how many more (the table lists them all)."""
    shown = ", ".join(rules[:most])
    return shown + (f" +{len(rules) - most} more" if len(rules) > most else "")


def mermaid(graph: Any) -> list[str]:
    """The flowchart lines for a :class:`~ctj_policy.topology.Graph`."""
    lines = ["flowchart LR", f"  classDef fail fill:#ffebe9,stroke:{FAIL_COLOR},stroke-width:2px,color:#000"]
    groups = [n for n in graph.nodes if n.kind == "task"]
    members: dict[str, list[Any]] = {g.id: [] for g in groups}
    for n in graph.nodes:
        if n.group is not None and n.group in members:
            members[n.group].append(n)

    def decl(n: Any, indent: str = "  ") -> str:
        left, right = _SHAPES.get(n.kind, ('["', '"]'))
        label = n.label
        if n.failing:
            label = f"\u274c {label}" + (f"\n({_rule_list(n.rules)})" if n.rules else "")
        return f"{indent}{n.id}{left}{mermaid_text(label)}{right}"

    for n in graph.nodes:
        if n.kind == "task" or (n.group is not None and n.group in members):
            continue
        lines.append(decl(n))
    for g in groups:
        label = g.label if not g.failing else f"\u274c {g.label}\n({_rule_list(g.rules)})"
        lines.append(f'  subgraph {g.id}["{mermaid_text(label)}"]')
        for n in members[g.id]:
            lines.append(decl(n, "    "))
        if not members[g.id]:
            lines.append(f'    {g.id}_empty["no containers"]')
        lines.append("  end")
    failing_links = []
    for i, e in enumerate(graph.edges):
        label = e.label
        if e.failing:
            label = f"\u274c {label}" + (f" ({_rule_list(e.rules)})" if e.rules else "")
            failing_links.append(i)
        arrow = "-.->" if getattr(e, "dashed", False) else "-->" if not e.failing else "==>"
        if label:
            lines.append(f'  {e.src} {arrow}|"{mermaid_text(label)}"| {e.dst}')
        else:
            lines.append(f"  {e.src} {arrow} {e.dst}")
    if failing_links:
        lines.append(
            f"  linkStyle {','.join(map(str, failing_links))} stroke:{FAIL_COLOR},stroke-width:3px,color:{FAIL_COLOR}"
        )
    failing_nodes = [n.id for n in graph.nodes if n.failing and n.kind != "task"]
    if failing_nodes:
        lines.append(f"  class {','.join(failing_nodes)} fail")
    for g in groups:
        if g.failing:
            lines.append(f"  style {g.id} fill:#ffebe9,stroke:{FAIL_COLOR},stroke-width:2px")
    return lines
