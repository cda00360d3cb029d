"""A pull-request comment (``--format markdown``).

A summary line, a table of the failing and undecided results with their
locations, the waived and passing results in collapsed ``<details>``, and a
Mermaid ``flowchart`` of what the input deploys (from
:mod:`ctj_policy.topology`: listener rules -> target groups -> containers ->
Postgres -> volume / secret), with failing nodes and edges marked.

The first line is an HTML comment (``MARKER``) a workflow can search for to
update its previous comment instead of adding a new one.
"""

from __future__ import annotations

from typing import Any

from ..model import FAIL, PASS, UNKNOWN, WAIVED, Report, Result

MARKER = "<!-- ctj-policy-report -->"
GITHUB_COMMENT_LIMIT = 65536  # characters GitHub accepts in one comment

_ICON = {FAIL: "\u274c", UNKNOWN: "\u2753", WAIVED: "\U0001f515", PASS: "\u2705"}


def render(report: Report, *, diagram: bool = True, **_: Any) -> str:
    results = sorted(report.results, key=Result.sort_key)
    problems = [r for r in results if r.status in (FAIL, UNKNOWN)]
    waived = [r for r in results if r.status == WAIVED]
    passing = [r for r in results if r.status == PASS]

    out = [MARKER, f"## {report.tool_name}: CTJ Stage 1 deployment check", ""]
    out.append(_summary(report))
    out.append("")
    if problems:
        out += ["### Failing and undecided", ""]
        out += _table(problems, report)
        out.append("")
    else:
        out += ["No failing or undecided results.", ""]
    if waived:
        out += _details(f"Waived ({len(waived)})", _table(waived, report))
    out_tail: list[str] = []
    if diagram:
        out_tail += _diagram_section(report)
    passing_block = _details(f"Passing ({len(passing)})", [f"- {_ICON[PASS]} **{_cell(r.rule_id)}** {_cell(r.title)}: {_cell(r.message)}" for r in passing])
    text = "\n".join(out + passing_block + out_tail).rstrip("\n") + "\n"
    if len(text) > GITHUB_COMMENT_LIMIT:  # keep the comment postable: drop the passing list first
        note = [f"_{len(passing)} passing results omitted to fit a GitHub comment; see the JSON or SARIF report._", ""]
        text = "\n".join(out + note + out_tail).rstrip("\n") + "\n"
    return text


def _summary(report: Report) -> str:
    c = report.counts()
    verdict = "\u274c **failed**" if report.exit_code else "\u2705 **passed**"
    parts = [f"{c[FAIL]} failing", f"{c[UNKNOWN]} undecided", f"{c[PASS]} passing", f"{c[WAIVED]} waived"]
    where = f"{report.input.kind} `{_code(report.input.path)}`"
    if report.input.scope:
        where += f", scope `{_code(report.input.scope)}`"
    if report.input.terraform_version:
        where += f", Terraform {_cell(report.input.terraform_version)}"
    unknown_note = " (undecided results do not fail the gate: `--allow-unknown`)" if report.allow_unknown and c[UNKNOWN] else ""
    return f"{verdict}: {', '.join(parts)}{unknown_note} \u2014 {where}; exit code {report.exit_code}"


def _table(results: list[Result], report: Report) -> list[str]:
    rows = ["| Status | Rule | Severity | Finding | Location |", "|---|---|---|---|---|"]
    for r in results:
        status = r.status
        if r.status == UNKNOWN:
            status = "unknown (not gating)" if report.allow_unknown or r.severity != "error" else "unknown (gating)"
        message = r.message
        rows.append(
            f"| {_ICON.get(r.status, '')} {_cell(status)} | **{_cell(r.rule_id)}** {_cell(r.title)} | {_cell(r.severity)} "
            f"| {_cell(message)} | {_location(r, report)} |"
        )
    return rows


def _location(r: Result, report: Report) -> str:
    bits = []
    if r.location is not None and r.location.file:
        bits.append(f"`{_code(f'{r.location.file}:{r.location.line}')}`")
    if r.address:
        bits.append(f"`{_code(r.address)}`")
    if not bits:
        bits.append(f"`{_code(report.input.path)}`")
    return "<br>".join(bits)


def _details(summary: str, body: list[str]) -> list[str]:
    if not body:
        return []
    return ["<details>", f"<summary>{_cell(summary)}</summary>", "", *body, "", "</details>", ""]


def _cell(text: Any) -> str:
    """Text safe inside a table cell and inline HTML."""
    s = "" if text is None else str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")
    return s


def _code(text: Any) -> str:
    """Text safe inside a single-backtick code span in a table cell."""
    s = "" if text is None else str(text)
    return s.replace("`", "'").replace("|", "\\|").replace("\n", " ")


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
}
FAIL_COLOR = "#d1242f"


def _diagram_section(report: Report) -> list[str]:
    if report.deployment is None:
        return ["### What the plan deploys", "", "_No deployment model attached to this report._", ""]
    from ..topology import build

    graph = build(report.deployment, report.results)
    lines = ["### What the plan deploys", ""]
    if graph.empty:
        return lines + ["_Nothing in scope deploys an ECS task, target group or listener rule._", ""]
    lines += ["```mermaid", *mermaid(graph), "```", ""]
    if any(n.failing for n in graph.nodes) or any(e.failing for e in graph.edges):
        lines += ["Red, \u274c: a failing rule concerns that element (thick red arrows: failing links).", ""]
    return lines


def mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: entity-escaped, newlines as <br/>."""
    s = text.replace("#", "#35;")
    s = s.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;").replace("`", "#96;")
    s = s.replace("\r", "").replace("\n", "<br/>")
    return s


def mermaid(graph: Any) -> list[str]:
    """The flowchart lines for a :class:`~ctj_policy.topology.Graph`."""
    lines = ["flowchart LR", f"  classDef fail fill:#ffebe9,stroke:{FAIL_COLOR},stroke-width:2px,color:#000"]
    groups = [n for n in graph.nodes if n.kind == "task"]
    members = {g.id: [n for n in graph.nodes if n.group == g.id] for g in groups}
    grouped = {n.id for ms in members.values() for n in ms}

    def decl(n: Any, indent: str = "  ") -> str:
        left, right = _SHAPES.get(n.kind, ('["', '"]'))
        label = n.label
        if n.failing:
            label = f"\u274c {label}\n({', '.join(n.rules)})"
        return f"{indent}{n.id}{left}{mermaid_text(label)}{right}"

    for n in graph.nodes:
        if n.kind == "task" or n.id in grouped:
            continue
        lines.append(decl(n))
    for g in groups:
        label = g.label if not g.failing else f"\u274c {g.label} ({', '.join(g.rules)})"
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
            label = f"\u274c {label} ({', '.join(e.rules)})"
            failing_links.append(i)
        arrow = "-->" if not e.failing else "==>"
        if label:
            lines.append(f'  {e.src} {arrow}|"{mermaid_text(label)}"| {e.dst}')
        else:
            lines.append(f"  {e.src} {arrow} {e.dst}")
    if failing_links:
        lines.append(f"  linkStyle {','.join(map(str, failing_links))} stroke:{FAIL_COLOR},stroke-width:3px,color:{FAIL_COLOR}")
    failing_nodes = [n.id for n in graph.nodes if n.failing and n.kind != "task"]
    if failing_nodes:
        lines.append(f"  class {','.join(failing_nodes)} fail")
    for g in groups:
        if g.failing:
            lines.append(f"  style {g.id} fill:#ffebe9,stroke:{FAIL_COLOR},stroke-width:2px")
    return lines
