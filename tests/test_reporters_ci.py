"""CI report formats: SARIF, JUnit, GitHub annotations, Markdown with Mermaid.

Each format is checked twice: on synthetic reports built here (every status,
locations known and not), and end to end on every plan in fixtures/plans
(load -> evaluate -> render), validated by the real consumers' tools:

* SARIF: Microsoft's validator (``@microsoft/sarif-multitool validate``, with
  its SARIF and GitHub-ingestion rules): zero errors;
* JUnit: read back with junitparser;
* Markdown: the Mermaid diagram is rendered by the ``mermaid`` npm package in
  headless Chromium (tests/js/render_mermaid.mjs): an SVG, no syntax error.

The node/Chromium checks skip, saying why, only when the tools are missing
and CI is not set; under CI they fail instead.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ctj_policy.model import (
    Container,
    Deployment,
    EcrRepository,
    EfsVolumeConfig,
    EnvVar,
    InputInfo,
    ListenerRule,
    LoadBalancerAttachment,
    Location,
    MountPoint,
    PortMapping,
    Ref,
    Report,
    Result,
    RuleAction,
    RuleCondition,
    Secret,
    SecretVar,
    Service,
    TargetGroup,
    TaskDefinition,
    Template,
    Volume,
)
from ctj_policy.reporters import render

from conftest import PLANS, ROOT

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def require_tool(available: bool, reason: str) -> None:
    """Skip (locally) or fail (under CI) when a tool the test needs is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI is set: the test must run; scripts/test.sh installs it)")
    pytest.skip(reason)


# --------------------------------------------------------------------------
# synthetic reports
# --------------------------------------------------------------------------

MOD = "module.civic-tech-jobs.module.civic_tech_jobs_stage_service"
TASK = f"{MOD}.aws_ecs_task_definition.task"
SERVICE = f"{MOD}.aws_ecs_service.this"
TG_BACK = f"{MOD}.aws_lb_target_group.backend"
TG_FRONT = f"{MOD}.aws_lb_target_group.frontend"
DB_SECRET = "module.civic-tech-jobs.aws_secretsmanager_secret.db"
STAGE_TF = "terraform/projects/civic-tech-jobs/environment-stage.tf"
PLAN_PATH = "fixtures/plans/synthetic.json"


def make_deployment() -> Deployment:
    """The Stage 1 shape (fixtures/DESIGN.md), with refs as a plan leaves them."""
    db_arn = Ref(DB_SECRET, "arn")
    django = Container(
        name="django",
        image=Template((Ref("module.civic-tech-jobs.module.civic_tech_jobs_ecr_backend.aws_ecr_repository.this", "repository_url"), ":stage")),
        port_mappings=(PortMapping(8000),),
        environment=(EnvVar("SQL_HOST", "localhost"), EnvVar("SQL_PORT", "5432"), EnvVar("SQL_DATABASE", "ctj"), EnvVar("SQL_USER", "ctj")),
        secrets=(SecretVar("SQL_PASSWORD", Template((db_arn, ":password::"))),),
        location=Location(STAGE_TF, 40),
    )
    nextjs = Container(name="nextjs", image="123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-frontend:stage", port_mappings=(PortMapping(3000),))
    postgres = Container(
        name="postgres",
        image="postgres:18.1",
        environment=(EnvVar("POSTGRES_USER", "ctj"), EnvVar("POSTGRES_DB", "ctj")),
        secrets=(SecretVar("POSTGRES_PASSWORD", Template((db_arn, ":password::"))),),
        mount_points=(MountPoint("pgdata", "/var/lib/postgresql/data", False),),
    )
    task = TaskDefinition(
        TASK,
        type="aws_ecs_task_definition",
        location=Location(STAGE_TF, 30),
        family="civic-tech-jobs-stage",
        network_mode="awsvpc",
        requires_compatibilities=("EC2",),
        containers=(django, nextjs, postgres),
        volumes=(Volume("pgdata", efs=EfsVolumeConfig(Ref("module.civic-tech-jobs.aws_efs_file_system.pgdata", "id"))),),
        arn=Ref(TASK, "arn"),
    )
    tg_back = TargetGroup(TG_BACK, name="ctj-stage-django", arn=Ref(TG_BACK, "arn"), port=8000, target_type="ip")
    tg_front = TargetGroup(TG_FRONT, name="ctj-stage-nextjs", arn=Ref(TG_FRONT, "arn"), port=3000, target_type="ip")
    service = Service(
        SERVICE,
        name="civic-tech-jobs-stage",
        task_definition=Ref(TASK, "arn"),
        desired_count=1,
        load_balancers=(
            LoadBalancerAttachment(Ref(TG_BACK, "arn"), "django", 8000),
            LoadBalancerAttachment(Ref(TG_FRONT, "arn"), "nextjs", 3000),
        ),
    )

    def rule(name: str, prio: int, path: str, tg: str) -> ListenerRule:
        return ListenerRule(
            f"{MOD}.aws_lb_listener_rule.{name}",
            priority=prio,
            conditions=(RuleCondition(path_patterns=(path,)), RuleCondition(host_headers=("stage.civictechjobs.org",))),
            actions=(RuleAction("forward", (Ref(tg, "arn"),)),),
        )

    return Deployment(
        scope="module.civic-tech-jobs",
        task_definitions=[task],
        services=[service],
        target_groups=[tg_back, tg_front],
        listener_rules=[rule("api", 100, "/api/*", TG_BACK), rule("admin", 101, "/admin/*", TG_BACK), rule("frontend", 110, "/*", TG_FRONT)],
        ecr_repositories=[EcrRepository("module.civic-tech-jobs.module.civic_tech_jobs_ecr_backend.aws_ecr_repository.this", name="civic-tech-jobs-backend")],
        secrets=[Secret(DB_SECRET, name="civic-tech-jobs/stage/db", arn=Ref(DB_SECRET, "arn"))],
    )


def R(rule_id: str, status: str, message: str, address: str | None = None, location: Location | None = None, severity: str = "error", title: str = "", waiver: str | None = None) -> Result:
    return Result(rule_id, title or f"title of {rule_id}", severity, status, message, address, location, waiver)


def make_results() -> list[Result]:
    return sorted(
        [
            R("CTJ001", "pass", "one task with frontend, backend and database containers", TASK, Location(STAGE_TF, 30)),
            R("CTJ010", "fail", "catch-all rule priority 90 is evaluated before /api/* (priority 100)", f"{MOD}.aws_lb_listener_rule.frontend", Location(STAGE_TF, 88)),
            R("CTJ021", "fail", "database image 'postgres:latest' is not pinned to major 18", TASK, Location(STAGE_TF, 52)),
            R("CTJ022", "unknown", "SQL_HOST of 'django' is known after apply; re-run with --source-dir terraform/", TASK),
            R("CTJ024", "fail", "volume 'pgdata' is a bind mount without host_path on FARGATE (ephemeral task storage)", TASK),
            R("CTJ026", "waived", "desired_count is 2 [waived: blue/green trial]", SERVICE, Location(STAGE_TF, 70), waiver="blue/green trial"),
            R("CTJ027", "fail", "'django' has no dependsOn on 'postgres' with condition HEALTHY", TASK, severity="warning"),
            R("CTJ030", "unknown", "environment of 'nextjs' is known after apply", TASK, severity="warning"),
            R("CTJ031", "fail", "'django' holds SECRET_KEY in plain environment: value (redacted), use secrets | not env,\nsee docs: 100% sure", TASK, Location(STAGE_TF, 41)),
        ],
        key=Result.sort_key,
    )


def make_report(*, allow_unknown: bool = False, results: list[Result] | None = None, deployment: Deployment | None | bool = True, path: str = PLAN_PATH) -> Report:
    dep = make_deployment() if deployment is True else (deployment or None)
    return Report(
        tool_name="ctj-policy",
        tool_version="0.1.0",
        input=InputInfo("plan", path, "1.2", "1.12.2", "module.civic-tech-jobs"),
        results=make_results() if results is None else results,
        exit_code=1,
        allow_unknown=allow_unknown,
        deployment=dep,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------
# external validators
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def sarif_multitool() -> str | None:
    """The SARIF multitool's native binary, as the npm package resolves it.

    (node_modules/.bin/sarif-multitool runs it through a shell, which breaks
    on arguments holding ';'; calling the binary directly avoids that.)"""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@microsoft" / "sarif-multitool").is_dir():
        return None
    proc = subprocess.run([node, "-p", "require('@microsoft/sarif-multitool')"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    path = proc.stdout.strip()
    return path if proc.returncode == 0 and path and os.access(path, os.X_OK) else None


def validate_sarif(files: list[Path], workdir: Path) -> dict[str, list[dict]]:
    """Run ``sarif-multitool validate`` (SARIF + GitHub rules) over ``files``;
    return {file name: [problems of level error]} (all files present as keys)."""
    tool = sarif_multitool()
    require_tool(tool is not None, "SARIF multitool not installed (npm ci at the repo root installs @microsoft/sarif-multitool)")
    out = workdir / "validation.sarif"
    env = {**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    proc = subprocess.run(
        [tool, "validate", *map(str, files), "--output", str(out), "--log", "ForceOverwrite", "--rule-kind", "Sarif;Gh"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert out.exists(), f"validator wrote no log (exit {proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
    log = json.loads(out.read_text(encoding="utf-8-sig"))
    run = log["runs"][0]
    # the validator must have analysed every file, without a tool failure
    notifications = [n for inv in run.get("invocations", []) for n in inv.get("toolExecutionNotifications", []) if n.get("level") == "error"]
    assert not notifications, notifications
    assert all(inv.get("executionSuccessful", True) for inv in run.get("invocations", []))
    errors: dict[str, list[dict]] = {f.name: [] for f in files}
    for res in run.get("results", []):
        if res.get("level", "warning") != "error":
            continue
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        name = uri.rsplit("/", 1)[-1]
        rule = run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] if "ruleIndex" in res else res.get("ruleId")
        errors.setdefault(name, []).append({"rule": rule, "args": res.get("message", {}).get("arguments")})
    return errors


def render_mermaid(diagrams: list[str], workdir: Path) -> list[dict]:
    node = shutil.which("node")
    require_tool(node is not None, "node is not installed")
    require_tool((ROOT / "node_modules" / "mermaid").is_dir() and (ROOT / "node_modules" / "playwright-core").is_dir(),
                 "mermaid / playwright-core not installed (npm ci at the repo root)")
    require_tool(os.access(CHROMIUM, os.X_OK), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    src, dst = workdir / "diagrams.json", workdir / "rendered.json"
    src.write_text(json.dumps(diagrams), encoding="utf-8")
    proc = subprocess.run([node, str(ROOT / "tests" / "js" / "render_mermaid.mjs"), str(src), str(dst)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "CHROMIUM": CHROMIUM})
    assert proc.returncode == 0, f"mermaid harness failed: {proc.stderr[-3000:]}"
    out = json.loads(dst.read_text(encoding="utf-8"))
    assert len(out) == len(diagrams)
    return out


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)\n```", markdown, flags=re.S)


# --------------------------------------------------------------------------
# SARIF
# --------------------------------------------------------------------------


def sarif_of(report: Report) -> dict:
    return json.loads(render("sarif", report, root=ROOT))


def test_sarif_run_driver_and_rules():
    log = sarif_of(make_report())
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "ctj-policy" and driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    from ctj_policy.rules import ALL_RULES

    assert {r.id for r in ALL_RULES} <= set(ids), "every registered rule is described"
    by_id = {r["id"]: r for r in driver["rules"]}
    for rule in ALL_RULES:
        d = by_id[rule.id]
        assert d["name"] and re.fullmatch(r"[A-Za-z0-9]+", d["name"])
        assert d["shortDescription"]["text"] and d["fullDescription"]["text"]
        assert rule.remediation.strip()[:40] in d["help"]["text"]
        assert d["properties"]["security-severity"] == ("8.0" if rule.severity == "error" else "4.0")
        assert "security" in d["properties"]["tags"]
        assert d["defaultConfiguration"]["level"] == ("error" if rule.severity == "error" else "warning")


def test_sarif_results_levels_locations_and_suppressions():
    report = make_report()
    run = sarif_of(report)["runs"][0]
    results = run["results"]
    rules = run["tool"]["driver"]["rules"]
    # pass results are not alerts
    assert len(results) == sum(1 for r in report.results if r.status != "pass")
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    by_rule = {r["ruleId"]: r for r in results}

    ctj010 = by_rule["CTJ010"]
    assert ctj010["level"] == "error" and ctj010["kind"] == "fail"
    loc = ctj010["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == STAGE_TF and loc["region"] == {"startLine": 88}

    # location unknown: the plan file, relative to the repo root
    ctj024 = by_rule["CTJ024"]
    assert ctj024["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == PLAN_PATH
    assert TASK in ctj024["message"]["text"]

    # unknown: a warning when it gates, a note for warning-severity rules
    assert by_rule["CTJ022"]["level"] == "warning" and "could not be decided" in by_rule["CTJ022"]["message"]["text"].lower()
    assert by_rule["CTJ030"]["level"] == "note"
    assert by_rule["CTJ027"]["level"] == "warning"
    # waived: suppressed with the reason
    sup = by_rule["CTJ026"]["suppressions"]
    assert sup == [{"kind": "external", "status": "accepted", "justification": "blue/green trial"}]
    assert "suppressions" not in ctj010
    # --allow-unknown: unknowns become notes
    relaxed = {r["ruleId"]: r for r in sarif_of(make_report(allow_unknown=True))["runs"][0]["results"]}
    assert relaxed["CTJ022"]["level"] == "note"


def test_sarif_fingerprints_are_stable_and_distinct():
    a = sarif_of(make_report())["runs"][0]["results"]
    # same findings, other line numbers and a different waiver date: same identity
    moved = [
        Result(r.rule_id, r.title, r.severity, r.status, r.message, r.address, Location(r.location.file, r.location.line + 7) if r.location else None, r.waiver_reason)
        for r in make_results()
    ]
    b = sarif_of(make_report(results=moved))["runs"][0]["results"]
    fa = [r["partialFingerprints"] for r in a]
    assert fa == [r["partialFingerprints"] for r in b]
    values = [next(iter(p.values())) for p in fa]
    assert len(set(values)) == len(values), "different findings get different fingerprints"
    # a different address is a different finding
    other = [Result("CTJ021", "t", "error", "fail", "database image 'postgres:latest' is not pinned to major 18", "module.other.aws_ecs_task_definition.task")]
    c = sarif_of(make_report(results=other))["runs"][0]["results"][0]["partialFingerprints"]
    assert c != by_rule_fp(a, "CTJ021")


def by_rule_fp(results: list[dict], rule_id: str) -> dict:
    return next(r["partialFingerprints"] for r in results if r["ruleId"] == rule_id)


def test_sarif_uris_relative_to_root_and_deterministic(tmp_path):
    results = [
        R("CTJ003", "fail", "network_mode is bridge", TASK, Location(str(ROOT / "terraform" / "my dir" / "x.tf"), 3)),
        R("CTJ004", "fail", "no ECR repo", None, Location("./terraform/ecr.tf", 1)),
    ]
    report = make_report(results=results, path=str(ROOT / "fixtures" / "plans" / "p.json"))
    text = render("sarif", report, root=ROOT)
    assert text == render("sarif", report, root=ROOT)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(text)["runs"][0]["results"]]
    assert uris == ["terraform/my%20dir/x.tf", "terraform/ecr.tf"]
    # a plan outside the repository: an absolute file URI
    outside = make_report(results=[R("CTJ001", "fail", "x")], path=str(tmp_path / "plan.json"))
    uri = json.loads(render("sarif", outside, root=ROOT))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///")


def test_sarif_validator_accepts_synthetic_reports_and_rejects_a_broken_log(tmp_path):
    files = []
    for name, report in {
        "full.sarif": make_report(),
        "allow.sarif": make_report(allow_unknown=True),
        "empty.sarif": make_report(results=[]),
        "stdin.sarif": make_report(path="-"),
        "all-pass.sarif": make_report(results=[R("CTJ001", "pass", "ok", TASK)]),
    }.items():
        f = tmp_path / name
        f.write_text(render("sarif", report, root=ROOT), encoding="utf-8")
        files.append(f)
    # control: the harness must see errors in a log GitHub would reject
    broken = json.loads(files[0].read_text())
    broken["runs"][0]["results"][0]["message"] = {"text": ""}
    del broken["runs"][0]["tool"]["driver"]["rules"][0]["fullDescription"]
    bad = tmp_path / "broken.sarif"
    bad.write_text(json.dumps(broken), encoding="utf-8")
    errors = validate_sarif([*files, bad], tmp_path)
    assert errors.pop("broken.sarif"), "the validator found nothing wrong in a broken log: the harness is not validating"
    assert errors == {f.name: [] for f in files}


# --------------------------------------------------------------------------
# JUnit
# --------------------------------------------------------------------------


def junit_of(report: Report):
    from junitparser import JUnitXml

    return JUnitXml.fromstring(render("junit", report).encode("utf-8"))


def _cases(xml) -> dict[str, list]:
    out: dict[str, list] = {}
    for suite in xml:
        out[suite.name] = list(suite)
    return out


def test_junit_suites_cases_failures_and_skips():
    from junitparser import Failure, Skipped

    report = make_report()
    xml = junit_of(report)
    suites = _cases(xml)
    rule_ids = sorted({r.rule_id for r in report.results})
    assert sorted(name.split()[0] for name in suites) == rule_ids, "one testsuite per rule"
    assert sum(len(c) for c in suites.values()) == len(report.results), "one testcase per result"

    def only(rule_id):
        (case,) = next(c for n, c in suites.items() if n.split()[0] == rule_id)
        return case

    ctj010 = only("CTJ010")
    (failure,) = ctj010.result
    assert isinstance(failure, Failure)
    assert failure.message == next(r.message for r in report.results if r.rule_id == "CTJ010")
    assert failure.type == "error"
    assert ctj010.name.endswith("aws_lb_listener_rule.frontend")
    assert only("CTJ001").is_passed
    # unknown is a failure by default
    (unk,) = only("CTJ022").result
    assert isinstance(unk, Failure) and unk.type == "unknown" and "known after apply" in unk.message
    # waived is skipped, with the reason
    (sk,) = only("CTJ026").result
    assert isinstance(sk, Skipped) and "blue/green trial" in sk.message
    # multi-line messages survive the round trip
    assert "100% sure" in only("CTJ031").result[0].message
    # suite counts agree with the cases
    for suite in xml:
        cases = list(suite)
        assert suite.tests == len(cases)
        assert suite.failures == sum(1 for c in cases if any(isinstance(x, Failure) for x in c.result))
        assert suite.skipped == sum(1 for c in cases if c.is_skipped)


def test_junit_allow_unknown_skips_unknowns():
    from junitparser import Failure, Skipped

    xml = junit_of(make_report(allow_unknown=True))
    suites = _cases(xml)
    (case,) = next(c for n, c in suites.items() if n.startswith("CTJ022"))
    (res,) = case.result
    assert isinstance(res, Skipped) and not isinstance(res, Failure)
    assert "known after apply" in res.message


def test_junit_is_deterministic_and_handles_control_characters():
    odd = [R("CTJ031", "fail", "bad \x07 char & <tag> \"quoted\"", TASK), R("CTJ031", "fail", "second on same address", TASK)]
    report = make_report(results=odd)
    assert render("junit", report) == render("junit", report)
    xml = junit_of(report)
    (suite,) = list(xml)
    names = [c.name for c in suite]
    assert len(set(names)) == 2, names
    assert "<tag>" in list(suite)[0].result[0].message


# --------------------------------------------------------------------------
# GitHub workflow commands
# --------------------------------------------------------------------------


def test_github_annotations():
    lines = render("github", make_report()).splitlines()
    commands = [ln for ln in lines if ln.startswith("::")]
    # pass results print nothing; every other result one command
    assert len(commands) == sum(1 for r in make_results() if r.status != "pass")
    ctj010 = next(ln for ln in commands if "CTJ010" in ln)
    assert ctj010.startswith(f"::error file={STAGE_TF},line=88,title=CTJ010%3A title of CTJ010::")
    # unknown location: no file property
    ctj024 = next(ln for ln in commands if "CTJ024" in ln)
    assert ctj024.startswith("::error title=CTJ024") and "file=" not in ctj024.split("::")[1]
    # warnings
    assert next(ln for ln in commands if "CTJ027" in ln).startswith("::warning ")
    # unknown error-severity gates -> error; under --allow-unknown -> warning
    assert next(ln for ln in commands if "CTJ022" in ln).startswith("::error ")
    relaxed = render("github", make_report(allow_unknown=True)).splitlines()
    assert next(ln for ln in relaxed if "CTJ022" in ln).startswith("::warning ")
    assert next(ln for ln in commands if "CTJ026" in ln).startswith("::notice ")
    # escaping: message %, \n; properties also , and :
    ctj031 = next(ln for ln in commands if "CTJ031" in ln)
    assert "\n" not in ctj031 and "%0A" in ctj031 and "100%25 sure" in ctj031
    props, _, msg = ctj031[2:].partition("::")
    assert "," not in props.split(" ", 1)[1].replace(",line=", "|").replace(",title=", "|")


def test_github_property_escaping():
    res = [R("CTJ001", "fail", "50% of 2:\r\nlines", None, Location("dir,with:odd%chars.tf", 2), title="a, b: c")]
    (line, _) = render("github", make_report(results=res)).splitlines()
    assert line == "::error file=dir%2Cwith%3Aodd%25chars.tf,line=2,title=CTJ001%3A a%2C b%3A c::50%25 of 2:%0D%0Alines"


# --------------------------------------------------------------------------
# Markdown + topology
# --------------------------------------------------------------------------


def test_markdown_comment_structure():
    md = render("markdown", make_report())
    assert md.startswith("<!-- ctj-policy-report -->\n")
    assert "\u274c **failed**: 5 failing, 2 undecided, 1 passing, 1 waived" in md
    table = [ln for ln in md.splitlines() if ln.startswith("| ")]
    # header + every fail/unknown + the waived table (header + 1)
    assert len(table) == 1 + 7 + 1 + 1
    row = next(ln for ln in table if "CTJ010" in ln)
    assert f"`{STAGE_TF}:88`" in row and "aws_lb_listener_rule.frontend" in row
    row031 = next(ln for ln in table if "CTJ031" in ln)
    assert "secrets \\| not env" in row031 and "<br>" in row031, "pipes and newlines escaped in cells"
    assert "<details>\n<summary>Passing (1)</summary>" in md
    assert "<summary>Waived (1)</summary>" in md
    (diagram,) = mermaid_blocks(md)
    assert diagram.startswith("flowchart LR")


def test_topology_graph_of_stage1():
    from ctj_policy.topology import build

    graph = build(make_deployment(), make_results())
    label = {n.id: n.label for n in graph.nodes}
    kinds = {n.id: n.kind for n in graph.nodes}

    def edges(src_kind, dst_kind):
        return [(label[e.src], label[e.dst], e) for e in graph.edges if kinds[e.src] == src_kind and kinds[e.dst] == dst_kind]

    routes = edges("route", "target_group")
    assert len(routes) == 3
    assert {(s.split()[3], d.split(",")[0]) for s, d, _ in routes} == {
        ("/api/*", "target group ctj-stage-django"),
        ("/admin/*", "target group ctj-stage-django"),
        ("/*", "target group ctj-stage-nextjs"),
    }
    attach = {(s.split(",")[0], d.split(" ")[0], e.label) for s, d, e in edges("target_group", "container") + edges("target_group", "database")}
    assert attach == {("target group ctj-stage-django", "django", "django:8000"), ("target group ctj-stage-nextjs", "nextjs", "nextjs:3000")}
    (db_edge,) = edges("container", "database")
    assert db_edge[0].startswith("django") and db_edge[1].startswith("postgres") and db_edge[2].label == "SQL_HOST localhost:5432"
    (vol,) = edges("database", "volume")
    assert vol[2].label == "/var/lib/postgresql/data" and "EFS" in vol[1]
    secrets = edges("container", "secret") + edges("database", "secret")
    assert {(s.split()[0], d, e.label) for s, d, e in secrets} == {
        ("django", "secret civic-tech-jobs/stage/db", "SQL_PASSWORD"),
        ("postgres", "secret civic-tech-jobs/stage/db", "POSTGRES_PASSWORD"),
    }
    # failing marks: the catch-all route (CTJ010), postgres (CTJ021/CTJ024), its volume edge,
    # django (CTJ027 names it, CTJ031); nextjs has only an unknown: not failing
    failing_nodes = {label[n.id].split("\n")[0] for n in graph.nodes if n.failing}
    assert "postgres (database)" in failing_nodes and "django (backend)" in failing_nodes
    assert "nextjs (frontend)" not in failing_nodes
    assert any(lbl.startswith("listener rule #110") for lbl in failing_nodes)
    assert vol[2].failing and vol[2].rules == ("CTJ024",)
    failing_routes = [e for s, d, e in routes if e.failing]
    assert len(failing_routes) == 1 and failing_routes[0].rules == ("CTJ010",)
    # CTJ022 is only unknown there; CTJ027 (django must wait for postgres) fails on that link
    assert db_edge[2].failing and db_edge[2].rules == ("CTJ027",)


def test_topology_without_deployment_and_markdown_note():
    from ctj_policy.topology import build

    assert build(None).empty
    md = render("markdown", make_report(deployment=None))
    assert "```mermaid" not in md and "No deployment model" in md
    md = render("markdown", make_report(deployment=Deployment()))
    assert "```mermaid" not in md and "Nothing in scope" in md


def test_mermaid_label_escaping():
    from ctj_policy.reporters.markdown import mermaid_text

    assert mermaid_text('a "b" #1 <c>\n`d`') == "a #quot;b#quot; #35;1 #lt;c#gt;<br/>#96;d#96;"


def test_mermaid_renders_in_headless_chromium(tmp_path):
    diagrams = mermaid_blocks(render("markdown", make_report()))
    diagrams += mermaid_blocks(render("markdown", make_report(results=[])))
    # labels with every character class the escaping handles
    from ctj_policy.reporters.markdown import mermaid
    from ctj_policy.topology import Edge, Graph, Node

    g = Graph([Node("a", 'quote " hash # <b>tag</b> ` pipe | semi ; braces {x}', "route", True, rules=("CTJ010",)),
               Node("t", "task", "task", True, rules=("CTJ001",)), Node("b", "in task", "database", False, group="t"),
               Node("s", "secret", "secret"), Node("v", "vol", "volume"), Node("g", "tg", "target_group")],
              [Edge("a", "g", "lbl | x", True, ("CTJ010",)), Edge("g", "b", 'x"y'), Edge("b", "v", ""), Edge("b", "s", "S")])
    diagrams.append("\n".join(mermaid(g)))
    control = "flowchart LR\n  a -->> b b c"  # a syntax error the harness must report
    out = render_mermaid([*diagrams, control], tmp_path)
    for text, res in zip(diagrams, out):
        assert res["ok"], f"{res['error']}\n{text}"
        assert res["svg"].lstrip().startswith("<svg") and "Syntax error" not in res["svg"]
    assert not out[-1]["ok"] and out[-1]["error"], "a bad diagram must be reported as an error"
    # failing elements are drawn marked
    assert "\u274c" in out[0]["svg"]


# --------------------------------------------------------------------------
# end to end on every fixture plan
# --------------------------------------------------------------------------

# every plan fixture (expected.json is the verdict table, not a plan)
FIXTURE_PLANS = sorted(p for p in PLANS.glob("*.json") if p.name != "expected.json")
# the same miniature incubator as .tf sources (HCL mode): reports with file:line locations
FIXTURE_TREES = sorted(p for p in (ROOT / "fixtures" / "terraform").glob("*") if p.is_dir())


@functools.lru_cache(maxsize=None)
def fixture_report(path: str, allow_unknown: bool = False) -> Report:
    from ctj_policy import __version__
    from ctj_policy.config import Config
    from ctj_policy.engine import evaluate
    from ctj_policy.loaders.plan import load_plan

    config = Config()
    if Path(path).is_dir():  # HCL mode: the .tf fixture trees
        from ctj_policy.loaders.hcl import load_hcl

        loaded = load_hcl(path, config)
    else:
        loaded = load_plan(path, config)
    ev = evaluate(loaded.deployment, config)
    return Report(
        tool_name="ctj-policy",
        tool_version=__version__,
        input=loaded.info,
        results=ev.results,
        exit_code=ev.exit_code(allow_unknown=allow_unknown),
        allow_unknown=allow_unknown,
        deployment=loaded.deployment,
    )


def _fixture_relpath(p: Path) -> str:
    return str(p.relative_to(ROOT))


def test_fixtures_exist():
    assert FIXTURE_PLANS, f"no plan fixtures in {PLANS}"
    assert FIXTURE_TREES, "no .tf fixture trees in fixtures/terraform"


@pytest.fixture(scope="module")
def fixture_reports():
    cwd = os.getcwd()
    os.chdir(ROOT)  # input paths relative to the repository root, as in CI
    try:
        reports = {p.name: fixture_report(_fixture_relpath(p)) for p in FIXTURE_PLANS}
        reports.update({f"tf-{p.name}": fixture_report(_fixture_relpath(p)) for p in FIXTURE_TREES})
        return reports
    finally:
        os.chdir(cwd)


def test_fixtures_sarif_valid(fixture_reports, tmp_path):
    if not fixture_reports:
        pytest.fail(f"no plan fixtures in {PLANS}")
    files = []
    for name, report in fixture_reports.items():
        # --allow-unknown changes only the level of unknowns: render it where there are some
        has_unknown = any(r.status == "unknown" for r in report.results)
        for allow in (False, True) if has_unknown else (False,):
            report.allow_unknown = allow
            f = tmp_path / f"{Path(name).stem}{'-allow' if allow else ''}.sarif"
            text = render("sarif", report, root=ROOT)
            f.write_text(text, encoding="utf-8")
            files.append(f)
            log = json.loads(text)
            results = log["runs"][0]["results"]
            assert len(results) == sum(1 for r in report.results if r.status != "pass")
            for res in results:
                uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                assert not uri.startswith(("/", "file:")), uri
                assert res["partialFingerprints"]
        report.allow_unknown = False
    located = [r for f in files for r in json.loads(f.read_text())["runs"][0]["results"]
               if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".tf")]
    assert located and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in located)
    errors = validate_sarif(files, tmp_path)
    assert errors == {f.name: [] for f in files}


def test_fixtures_junit_reads_back(fixture_reports):
    from junitparser import Failure, JUnitXml

    if not fixture_reports:
        pytest.fail(f"no plan fixtures in {PLANS}")
    for name, report in fixture_reports.items():
        xml = JUnitXml.fromstring(render("junit", report).encode("utf-8"))
        cases = [c for s in xml for c in s]
        assert len(cases) == len(report.results), name
        failing = sum(1 for c in cases if any(isinstance(x, Failure) for x in c.result))
        assert failing == sum(1 for r in report.results if r.status in ("fail", "unknown")), name
        assert {s.name.split()[0] for s in xml} == {r.rule_id for r in report.results}


def test_fixtures_github_and_markdown(fixture_reports):
    if not fixture_reports:
        pytest.fail(f"no plan fixtures in {PLANS}")
    for name, report in fixture_reports.items():
        gh = render("github", report)
        for line in gh.splitlines()[:-1]:
            assert re.match(r"^::(error|warning|notice) [^:]*title=CTJ[^:]*::", line), (name, line)
        md = render("markdown", report)
        fails = [r for r in report.results if r.status in ("fail", "unknown")]
        assert len([ln for ln in md.splitlines() if ln.startswith("| ") and "CTJ" in ln]) >= len(fails)
        if report.deployment is not None and (report.deployment.task_definitions or report.deployment.listener_rules):
            assert len(mermaid_blocks(md)) == 1, name


def test_fixtures_mermaid_renders(fixture_reports, tmp_path):
    if not fixture_reports:
        pytest.fail(f"no plan fixtures in {PLANS}")
    names, diagrams = [], []
    for name, report in fixture_reports.items():
        for block in mermaid_blocks(render("markdown", report)):
            names.append(name)
            diagrams.append(block)
    assert diagrams, "no fixture produced a diagram"
    out = render_mermaid(diagrams, tmp_path)
    bad = [(n, r["error"]) for n, r in zip(names, out) if not r["ok"] or not r["svg"].lstrip().startswith("<svg")]
    assert not bad, bad


# --------------------------------------------------------------------------
# the CLI writes the same reports; the example workflows are complete
# --------------------------------------------------------------------------


def test_cli_writes_valid_reports(cli, tmp_path):
    trees = [p for p in FIXTURE_TREES if p.name == "stage1"] or FIXTURE_TREES[:1]
    plans = FIXTURE_PLANS[:1]
    inputs = [_fixture_relpath(p) for p in [*trees, *plans]]
    assert inputs, "no fixture to run the CLI on"
    files = []
    for i, inp in enumerate(inputs):
        sarif, md, xml = tmp_path / f"cli{i}.sarif", tmp_path / f"cli{i}.md", tmp_path / f"cli{i}.xml"
        proc = cli("check", inp, "--format", "sarif", "--output", str(sarif), "--format", "markdown", "--output", str(md),
                   "--format", "junit", "--output", str(xml), "--format", "github")
        assert proc.returncode in (0, 1), proc.stderr.decode()
        out = proc.stdout.decode()
        assert out.splitlines()[-1].startswith("ctj-policy summary:")
        from junitparser import JUnitXml

        summary = json.loads(sarif.read_text())["runs"][0]["properties"]["summary"]
        assert len([c for s in JUnitXml.fromfile(str(xml)) for c in s]) == sum(summary.values())
        assert md.read_text().startswith("<!-- ctj-policy-report -->")
        files.append(sarif)
    errors = validate_sarif(files, tmp_path)
    assert errors == {f.name: [] for f in files}


# The example workflows (examples/*.yml) use the GitHub Action: tests/test_docs.py validates them and
# tests/test_action.py runs the action's steps.
