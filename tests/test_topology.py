"""The diagram of the first report, drawn from the incubator fixture and the real incubator tree (issue 11):
a bounded number of nodes (one per block or database module call, with a count), no secret, labels
that read as what values come from (never a raw ``${...}`` expression), valid Mermaid.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from conftest import ROOT, TERRAFORM
from ctj_policy.reporters import render
from test_first_report import report_for
from test_reporters_ci import mermaid_blocks, render_mermaid

NODE = re.compile(r'^\s+(\w+)(\[\(|\(\[|\[/|\{\{|\[)"(.*?)"', re.M)


def diagram_of(tree, cwd):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        report = report_for(tree, cwd=cwd)
    finally:
        os.chdir(old)
    md = render("markdown", report)
    (diagram,) = mermaid_blocks(md)
    return report, diagram


def labels(diagram: str) -> dict[str, str]:
    return {m.group(1): m.group(3) for m in NODE.finditer(diagram) if not m.group(1).startswith("classDef")}


def check_readable(report, diagram: str) -> dict[str, str]:
    nodes = labels(diagram)
    from ctj_policy.redact import MIN_LEN

    for secret in report.deployment.redact:  # every string the loader marked secret (the Redactor's own floor)
        if len(secret) >= MIN_LEN and secret.strip():
            assert secret not in diagram
    for text in nodes.values():
        assert "${" not in text and "module." not in text, text  # what a value comes from, in words
    return nodes


def test_incubator_fixture_diagram(tmp_path):
    report, diagram = diagram_of(TERRAFORM / "incubator", ROOT)
    nodes = check_readable(report, diagram)
    assert sorted(nodes.values()) == sorted([
        "target group civic-tech-jobs-fs-stage-tg, port 8000, target ip",
        "listener rule #35;200 /*<br/>host stage.#lt;route53 zone#gt;",
        # the database blocks inside the call; its six ../secret calls (SSM parameters) are not databases
        "\u274c database module civic_tech_jobs_stage_database<br/>7 blocks inside: 1 data.aws_db_instance, "
        "1 postgresql_database, 2 postgresql_grant, 3 postgresql_role<br/>(CTJ020)",
        "secret /civic-tech-jobs/fullstack-stage-db-owner-password",
        "\u274c no listener rule routes /admin/*<br/>(CTJ010)",
        "\u274c no listener rule routes /api/*<br/>(CTJ010)",
        "\u274c no frontend target group<br/>(CTJ010)",
        # the fullstack container is the backend by evidence: its image (CTJ004) and settings (CTJ032) fail on it
        "\u274c civic-tech-jobs-fs-stage (backend)<br/>civic-tech-jobs-fullstack:stage (ECR)<br/>"
        "(CTJ002, CTJ004, CTJ031, CTJ032)",
    ])
    # the backend's SQL_HOST names the RDS instance: the connection fails CTJ022
    ids = {text: node for node, text in nodes.items()}
    backend = ids[next(t for t in ids if t.startswith("\u274c civic-tech-jobs-fs-stage"))]
    database = ids[next(t for t in ids if "database module" in t)]
    assert f'{backend} ==>|"\u274c SQL_HOST #lt;db instance#gt;:5432 (CTJ022)"| {database}' in diagram
    # one cylinder for the database module call and the 7 blocks inside it, not 8
    assert diagram.count('[("') == 1
    # the task is one subgraph; the rules failing on it are listed, a few then how many more
    assert re.search(r'subgraph \w+\["\u274c ECS task civic-tech-jobs-fs-stage \(awsvpc\)<br/>\(CTJ001, CTJ002, CTJ004, CTJ011 \+\d+ more\)"\]', diagram)
    out = render_mermaid([diagram], tmp_path)
    assert out[0].get("svg") and not out[0].get("error"), out[0]


def test_real_incubator_tree_diagram(shared_path, tmp_path):
    tree = shared_path("incubator", "terraform")
    shutil.copytree(tree, tmp_path / "terraform")
    report, diagram = diagram_of(tmp_path / "terraform", tmp_path)
    nodes = check_readable(report, diagram)
    assert len(nodes) <= 12, nodes  # bounded: CTJ's blocks, one node each, whatever the database module holds
    assert diagram.count('[("') == 1
    assert any("host stage.#lt;route53 zone#gt;" in text for text in nodes.values())
    out = render_mermaid([diagram], tmp_path)
    assert out[0].get("svg") and not out[0].get("error"), out[0]


@pytest.mark.parametrize("scope", ["root"])
def test_real_incubator_tree_whole_root_stays_bounded(shared_path, tmp_path, scope):
    """The whole root (every project) in scope: still one node per block or database module call."""
    from ctj_policy.cli import build_report
    from ctj_policy.config import Config
    from ctj_policy.engine import evaluate
    from ctj_policy.loaders.hcl import load_hcl

    tree = shared_path("incubator", "terraform")
    config = Config()
    deployment, info = load_hcl(str(tree), config, scope=scope)
    evaluation = evaluate(deployment, config)
    report = build_report(deployment, info, evaluation.results, evaluation.exit_code(), False, config)
    (diagram,) = mermaid_blocks(render("markdown", report))
    nodes = check_readable(report, diagram)
    blocks = {t.address for t in deployment.task_definitions}
    assert len(nodes) <= 80 and diagram.count("subgraph") <= len(blocks)
