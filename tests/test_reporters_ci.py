"""CI report formats: SARIF, JUnit, GitHub annotations, Markdown with Mermaid.

Each format is checked twice: on synthetic reports built here (every status,
locations known and not), and end to end on every plan in fixtures/plans
(load -> evaluate -> render), validated by the real consumers' tools:

* SARIF: Microsoft's validator (``@microsoft/sarif-multitool validate``, with
  its SARIF and GitHub-ingestion rules): zero errors;
* JUnit: read back with junitparser;
* Markdown: the Mermaid diagram is rendered by the ``mermaid`` npm package in
  headless Chromium (tests/js/render_mermaid.mjs): an SVG, no syntax error.

The node/Chromium checks skip, saying why, only when the tools are missing;
under CTJ_REQUIRE_TOOLS=1 (.ci/run) they fail instead.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import PLANS, ROOT, chromium, require_tool
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
    Subject,
    TargetGroup,
    TaskDefinition,
    Template,
    Volume,
)
from ctj_policy.reporters import render

CHROMIUM = chromium()  # $CHROMIUM, else chromium on PATH; None when absent


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
        image=Template(
            (
                Ref(
                    "module.civic-tech-jobs.module.civic_tech_jobs_ecr_backend.aws_ecr_repository.this",
                    "repository_url",
                ),
                ":stage",
            )
        ),
        port_mappings=(PortMapping(8000),),
        environment=(
            EnvVar("SQL_HOST", "localhost"),
            EnvVar("SQL_PORT", "5432"),
            EnvVar("SQL_DATABASE", "ctj"),
            EnvVar("SQL_USER", "ctj"),
        ),
        secrets=(SecretVar("SQL_PASSWORD", Template((db_arn, ":password::"))),),
        location=Location(STAGE_TF, 40),
    )
    nextjs = Container(
        name="nextjs",
        image="123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-frontend:stage",
        port_mappings=(PortMapping(3000),),
    )
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
        volumes=(
            Volume("pgdata", efs=EfsVolumeConfig(Ref("module.civic-tech-jobs.aws_efs_file_system.pgdata", "id"))),
        ),
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
        listener_rules=[
            rule("api", 100, "/api/*", TG_BACK),
            rule("admin", 101, "/admin/*", TG_BACK),
            rule("frontend", 110, "/*", TG_FRONT),
        ],
        ecr_repositories=[
            EcrRepository(
                "module.civic-tech-jobs.module.civic_tech_jobs_ecr_backend.aws_ecr_repository.this",
                name="civic-tech-jobs-backend",
            )
        ],
        secrets=[Secret(DB_SECRET, name="civic-tech-jobs/stage/db", arn=Ref(DB_SECRET, "arn"))],
    )


def R(
    rule_id: str,
    status: str,
    message: str,
    address: str | None = None,
    location: Location | None = None,
    severity: str = "error",
    title: str = "",
    waiver: str | None = None,
    subject: Subject | None = None,
) -> Result:
    return Result(
        rule_id, title or f"title of {rule_id}", severity, status, message, address, location, waiver, subject
    )


def make_results() -> list[Result]:
    return sorted(
        [
            R(
                "CTJ001",
                "pass",
                "one task with frontend, backend and database containers",
                TASK,
                Location(STAGE_TF, 30),
                subject=Subject("task", TASK),
            ),
            R(
                "CTJ010",
                "fail",
                "catch-all rule priority 90 is evaluated before /api/* (priority 100)",
                f"{MOD}.aws_lb_listener_rule.frontend",
                Location(STAGE_TF, 88),
                subject=Subject("route", "/*"),
            ),
            R(
                "CTJ021",
                "fail",
                "database image 'postgres:latest' is not pinned to major 18",
                TASK,
                Location(STAGE_TF, 52),
                subject=Subject("container", "postgres"),
            ),
            R(
                "CTJ022",
                "unknown",
                "SQL_HOST of 'django' is known after apply; re-run with --source-dir terraform/",
                TASK,
                subject=Subject("env", "SQL_HOST", "django"),
            ),
            R(
                "CTJ024",
                "fail",
                "volume 'pgdata' is a bind mount without host_path on FARGATE (ephemeral task storage)",
                TASK,
                subject=Subject("volume", "pgdata", "postgres"),
            ),
            R(
                "CTJ026",
                "waived",
                "desired_count is 2 [waived: blue/green trial]",
                SERVICE,
                Location(STAGE_TF, 70),
                waiver="blue/green trial",
                subject=Subject("service", SERVICE),
            ),
            R(
                "CTJ027",
                "fail",
                "'django' has no dependsOn on 'postgres' with condition HEALTHY",
                TASK,
                severity="warning",
                subject=Subject("container", "django"),
            ),
            R(
                "CTJ030",
                "unknown",
                "environment of 'nextjs' is known after apply",
                TASK,
                severity="warning",
                subject=Subject("container", "nextjs"),
            ),
            R(
                "CTJ031",
                "fail",
                "'django' holds SECRET_KEY in plain environment: value (redacted), use secrets | not env,\n"
                "see docs: 100% sure",
                TASK,
                Location(STAGE_TF, 41),
                subject=Subject("env", "SECRET_KEY", "django"),
            ),
        ],
        key=Result.sort_key,
    )


def make_report(
    *,
    allow_unknown: bool = False,
    results: list[Result] | None = None,
    deployment: Deployment | None | bool = True,
    path: str = PLAN_PATH,
) -> Report:
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


@functools.cache
def sarif_multitool() -> str | None:
    """The SARIF multitool's native binary, as the npm package resolves it.

    (node_modules/.bin/sarif-multitool runs it through a shell, which breaks
    on arguments holding ';'; calling the binary directly avoids that.)"""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@microsoft" / "sarif-multitool").is_dir():
        return None
    proc = subprocess.run(
        [node, "-p", "require('@microsoft/sarif-multitool')"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    path = proc.stdout.strip()
    return path if proc.returncode == 0 and path and os.access(path, os.X_OK) else None


def validate_sarif(files: list[Path], workdir: Path) -> dict[str, list[dict]]:
    """Run ``sarif-multitool validate`` (SARIF + GitHub rules) over ``files``;
    return {file name: [problems of level error]} (all files present as keys)."""
    tool = sarif_multitool()
    require_tool(
        tool is not None, "SARIF multitool not installed (npm ci at the repo root installs @microsoft/sarif-multitool)"
    )
    out = workdir / "validation.sarif"
    env = {**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    proc = subprocess.run(
        [
            tool,
            "validate",
            *map(str, files),
            "--output",
            str(out),
            "--log",
            "ForceOverwrite",
            "--rule-kind",
            "Sarif;Gh",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.exists(), f"validator wrote no log (exit {proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
    log = json.loads(out.read_text(encoding="utf-8-sig"))
    run = log["runs"][0]
    # the validator must have analysed every file, without a tool failure
    notifications = [
        n
        for inv in run.get("invocations", [])
        for n in inv.get("toolExecutionNotifications", [])
        if n.get("level") == "error"
    ]
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
    require_tool(
        (ROOT / "node_modules" / "mermaid").is_dir() and (ROOT / "node_modules" / "playwright-core").is_dir(),
        "mermaid / playwright-core not installed (npm ci at the repo root)",
    )
    require_tool(CHROMIUM, "Chromium not found (apt-get install chromium, or set CHROMIUM to its path)")
    src, dst = workdir / "diagrams.json", workdir / "rendered.json"
    src.write_text(json.dumps(diagrams), encoding="utf-8")
    proc = subprocess.run(
        [node, str(ROOT / "tests" / "js" / "render_mermaid.mjs"), str(src), str(dst)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CHROMIUM": CHROMIUM},
    )
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
    assert (
        by_rule["CTJ022"]["level"] == "warning"
        and "could not be decided" in by_rule["CTJ022"]["message"]["text"].lower()
    )
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
        Result(
            r.rule_id,
            r.title,
            r.severity,
            r.status,
            r.message,
            r.address,
            Location(r.location.file, r.location.line + 7) if r.location else None,
            r.waiver_reason,
        )
        for r in make_results()
    ]
    b = sarif_of(make_report(results=moved))["runs"][0]["results"]
    fa = [r["partialFingerprints"] for r in a]
    assert fa == [r["partialFingerprints"] for r in b]
    values = [next(iter(p.values())) for p in fa]
    assert len(set(values)) == len(values), "different findings get different fingerprints"
    # a different address is a different finding
    other = [
        Result(
            "CTJ021",
            "t",
            "error",
            "fail",
            "database image 'postgres:latest' is not pinned to major 18",
            "module.other.aws_ecs_task_definition.task",
        )
    ]
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
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(text)["runs"][0]["results"]
    ]
    assert uris == ["terraform/my%20dir/x.tf", "terraform/ecr.tf"]
    # a plan outside the repository: an absolute file URI
    outside = make_report(results=[R("CTJ001", "fail", "x")], path=str(tmp_path / "plan.json"), deployment=False)
    uri = json.loads(render("sarif", outside, root=ROOT))["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]["uri"]
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
    assert errors.pop("broken.sarif"), (
        "the validator found nothing wrong in a broken log: the harness is not validating"
    )
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
    odd = [
        R("CTJ031", "fail", 'bad \x07 char & <tag> "quoted"', TASK),
        R("CTJ031", "fail", "second on same address", TASK),
    ]
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
    # unknown location: line 1 of the plan file (every ::error carries file= and line=, SPEC 9)
    ctj024 = next(ln for ln in commands if "CTJ024" in ln)
    assert ctj024.startswith(f"::error file={PLAN_PATH},line=1,title=CTJ024")
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
        return [
            (label[e.src], label[e.dst], e)
            for e in graph.edges
            if kinds[e.src] == src_kind and kinds[e.dst] == dst_kind
        ]

    routes = edges("route", "target_group")
    assert len(routes) == 3
    assert {(s.split()[3], d.split(",")[0]) for s, d, _ in routes} == {
        ("/api/*", "target group ctj-stage-django"),
        ("/admin/*", "target group ctj-stage-django"),
        ("/*", "target group ctj-stage-nextjs"),
    }
    attach = {
        (s.split(",")[0], d.split(" ")[0], e.label)
        for s, d, e in edges("target_group", "container") + edges("target_group", "database")
    }
    assert attach == {
        ("target group ctj-stage-django", "django", "django:8000"),
        ("target group ctj-stage-nextjs", "nextjs", "nextjs:3000"),
    }
    (db_edge,) = edges("container", "database")
    assert (
        db_edge[0].startswith("django")
        and db_edge[1].startswith("postgres")
        and db_edge[2].label == "SQL_HOST localhost:5432"
    )
    (vol,) = edges("database", "volume")
    assert vol[2].label == "/var/lib/postgresql/data" and "EFS" in vol[1]
    secrets = edges("container", "secret") + edges("database", "secret")
    assert {(s.split()[0], d, e.label) for s, d, e in secrets} == {
        ("django", "secret civic-tech-jobs/stage/db", "SQL_PASSWORD"),
        ("postgres", "secret civic-tech-jobs/stage/db", "POSTGRES_PASSWORD"),
    }
    # failing marks, from each failing result's subject: the catch-all route and its link (CTJ010),
    # postgres (CTJ021), its volume link (CTJ024), django (CTJ027, and CTJ031 about a variable it
    # does not have); nextjs has only an unknown, the SQL_HOST link too: neither is failing
    failing_nodes = {label[n.id].split("\n")[0]: n.rules for n in graph.nodes if n.failing}
    assert failing_nodes == {
        "listener rule #110 /*": ("CTJ010",),
        "postgres (database)": ("CTJ021",),
        "django (backend)": ("CTJ027", "CTJ031"),
    }
    assert vol[2].failing and vol[2].rules == ("CTJ024",)
    failing_routes = [e for s, d, e in routes if e.failing]
    assert len(failing_routes) == 1 and failing_routes[0].rules == ("CTJ010",)
    assert not db_edge[2].failing
    assert {e.rules for e in graph.edges if e.failing} == {("CTJ010",), ("CTJ024",)}


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

    g = Graph(
        [
            Node("a", 'quote " hash # <b>tag</b> ` pipe | semi ; braces {x}', "route", True, rules=("CTJ010",)),
            Node("t", "task", "task", True, rules=("CTJ001",)),
            Node("b", "in task", "database", False, group="t"),
            Node("s", "secret", "secret"),
            Node("v", "vol", "volume"),
            Node("g", "tg", "target_group"),
        ],
        [Edge("a", "g", "lbl | x", True, ("CTJ010",)), Edge("g", "b", 'x"y'), Edge("b", "v", ""), Edge("b", "s", "S")],
    )
    diagrams.append("\n".join(mermaid(g)))
    control = "flowchart LR\n  a -->> b b c"  # a syntax error the harness must report
    out = render_mermaid([*diagrams, control], tmp_path)
    for text, res in zip(diagrams, out[:-1], strict=True):
        assert res["ok"], f"{res['error']}\n{text}"
        assert res["svg"].lstrip().startswith("<svg") and "Syntax error" not in res["svg"]
    assert not out[-1]["ok"] and out[-1]["error"], "a bad diagram must be reported as an error"
    # failing elements are drawn marked
    assert "\u274c" in out[0]["svg"]


# --------------------------------------------------------------------------
# control characters (issue 13, point 12)
# --------------------------------------------------------------------------

# ESC (a terminal escape sequence), BEL, NUL, DEL, a C1 CSI, a right-to-left override
CONTROLS = ["\x1b", "\x07", "\x00", "\x7f", "\x9b", "\u202e"]
VISIBLE = [r"\x1b", r"\x07", r"\x00", r"\x7f", r"\x9b", r"\u202e"]


def _evil_report() -> Report:
    """Control characters in a message, an address, a file name, a container name (the diagram) and a title."""
    dep = make_deployment()
    task = dep.task_definitions[0]
    odd = Container(name="side\x1b[2Jcar\x07", image="busybox\x00:1\u202e")
    dep.task_definitions[0] = TaskDefinition(
        task.address,
        type=task.type,
        family="fam\x9bily",
        network_mode="awsvpc",
        containers=(*task.containers, odd),
        volumes=task.volumes,
        arn=task.arn,
    )
    evil = "".join(CONTROLS)
    results = [
        R(
            "CTJ031",
            "fail",
            f"msg {evil} end",
            f'aws_x.y["k{evil}"]',
            Location(f"dir{evil}.tf", 3),
            title=f"ti{evil}tle",
        ),
        R("CTJ026", "waived", f"waived {evil}", SERVICE, waiver=f"reason {evil}"),
        R("CTJ030", "unknown", f"unknown {evil}", TASK),
    ]
    return make_report(results=results, deployment=dep)


@pytest.mark.parametrize("fmt", ["text", "github", "markdown", "junit"])
def test_control_characters_are_spelled_out_never_raw(fmt):
    out = render(fmt, _evil_report(), **({"verbose": True} if fmt == "text" else {}))
    raw = [repr(c) for c in CONTROLS if c in out]
    assert not raw, f"raw control characters in {fmt}: {raw}"
    for shown in VISIBLE:
        assert shown in out, f"{shown} not shown in {fmt}"
    if fmt == "markdown":
        (diagram,) = mermaid_blocks(out)
        assert r"side\x1b[2Jcar\x07" in diagram and r"busybox\x00:1\u202e" in diagram


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_formats_escape_control_characters_and_keep_the_text(fmt):
    out = render(fmt, _evil_report())
    assert not [c for c in CONTROLS if c in out]
    doc = json.loads(out)
    messages = (
        [r["message"] for r in doc["results"]]
        if fmt == "json"
        else [r["message"]["text"] for r in doc["runs"][0]["results"]]
    )
    assert any("".join(CONTROLS) in m for m in messages), "decoded, the message is unchanged"


# --------------------------------------------------------------------------
# Markdown bounded and linear (issue 13 point 11, issue 11)
# --------------------------------------------------------------------------


def _many_rules(n: int) -> tuple[Deployment, list[Result]]:
    """Stage 1 plus ``n`` listener rules (one block, ``count = n``) each forwarding to its own target group on 5432."""
    dep = make_deployment()
    for i in range(n):
        tg = f"{MOD}.aws_lb_target_group.extra[{i}]"
        dep.target_groups.append(TargetGroup(tg, name=f"extra-{i}", arn=Ref(tg, "arn"), port=5432, target_type="ip"))
        dep.listener_rules.append(
            ListenerRule(
                f"{MOD}.aws_lb_listener_rule.extra[{i}]",
                priority=1000 + i,
                conditions=(RuleCondition(path_patterns=(f"/x{i}/*",)),),
                actions=(RuleAction("forward", (Ref(tg, "arn"),)),),
            )
        )
    results = make_results() + [
        R(
            "CTJ012",
            "fail",
            f"target group extra-{i} forwards to port 5432, the database port " + "detail " * 40,
            f"{MOD}.aws_lb_target_group.extra[{i}]",
            Location(STAGE_TF, 200 + i),
            subject=Subject("target_group", f"{MOD}.aws_lb_target_group.extra[{i}]"),
        )
        for i in range(n)
    ]
    return dep, results


def test_markdown_stays_under_the_comment_limit_and_points_to_the_full_report():
    from ctj_policy.reporters.markdown import GITHUB_COMMENT_LIMIT

    dep, results = _many_rules(400)  # ~200,000 characters of table rows
    report = make_report(results=sorted(results, key=Result.sort_key), deployment=dep)
    md = render("markdown", report)
    assert len(md) <= GITHUB_COMMENT_LIMIT, len(md)
    assert "\u274c **failed**: 405 failing, 2 undecided" in md, "the summary counts everything"
    note = next(ln for ln in md.splitlines() if ln.startswith("_Showing "))
    assert "of 407 failing and undecided results" in note and "full report" in note and "--format json" in note
    shown = [ln for ln in md.splitlines() if ln.startswith("| \u274c") or ln.startswith("| \u2753")]
    assert 20 < len(shown) < 407
    # a huge message is cut in its cell, not the comment
    giant = make_report(results=[R("CTJ031", "fail", "x" * 200_000, TASK)])
    out = render("markdown", giant)
    assert len(out) <= GITHUB_COMMENT_LIMIT and "\u2026" in out


def test_markdown_drops_the_diagram_before_the_findings_and_says_so():
    from ctj_policy.reporters.markdown import GITHUB_COMMENT_LIMIT

    dep, results = _many_rules(400)
    md = render("markdown", make_report(results=sorted(results, key=Result.sort_key), deployment=dep))
    assert "```mermaid" not in md and "The diagram is left out to fit a GitHub comment" in md
    assert len(md) <= GITHUB_COMMENT_LIMIT
    # with few findings the same deployment is drawn: one node for the 3000 rules, one for their target groups
    md = render("markdown", make_report(deployment=dep))
    (diagram,) = mermaid_blocks(md)
    assert "listener rules aws_lb_listener_rule.extra \u00d7400" in diagram
    assert "target group aws_lb_target_group.extra \u00d7400" in diagram
    assert len(diagram.splitlines()) < 40


def test_topology_is_linear_in_the_elements_it_draws():
    """Counted, not timed: the graph asks each query a bounded number of times per element
    (what a query costs inside is the model's: Deployment.resolve scans the target groups)."""
    import ctj_policy.queries as q
    from ctj_policy.topology import build

    calls = {"n": 0}
    wrapped = {}
    for name in ("path_patterns", "forward_targets", "resolve_target_group", "runs_task", "container_role", "items"):
        original = getattr(q, name)

        def counting(*args, _original=original, **kwargs):
            calls["n"] += 1
            return _original(*args, **kwargs)

        wrapped[name] = original
        setattr(q, name, counting)
    try:
        counts = {}
        for n in (200, 800):
            calls["n"] = 0
            dep, results = _many_rules(n)
            build(dep, results)
            counts[n] = calls["n"]
    finally:
        for name, original in wrapped.items():
            setattr(q, name, original)
    assert counts[800] < 4.5 * counts[200], counts


# --------------------------------------------------------------------------
# topology: queries, subjects, config, readable labels (issue 9)
# --------------------------------------------------------------------------


def test_topology_imports_no_rule_module():
    import ast

    tree = ast.parse((ROOT / "ctj_policy" / "topology.py").read_text())
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported += [f"{node.module}.{a.name}" if node.module else a.name for a in node.names]
        elif isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
    assert imported and not [m for m in imported if "rules" in m.split(".")], imported
    assert any(m.endswith("queries") or m == ".queries" or "queries" in m for m in imported)


def test_topology_marks_come_from_subjects_not_from_message_text_or_rule_ids():
    from ctj_policy.topology import build

    def marks(results):
        g = build(make_deployment(), results)
        return {n.label.split("\n")[0] for n in g.nodes if n.failing}, {e.label for e in g.edges if e.failing}

    base = marks(make_results())
    # other words, other rule IDs: the same elements fail
    scrambled = [
        replace(r, message=f"text naming 'nextjs' and /api/* {i}", rule_id=f"CTJ9{i:02d}")
        for i, r in enumerate(make_results())
    ]
    assert marks(scrambled) == base
    # a failing result about nextjs (by subject) marks nextjs, whatever its message names
    extra = R("CTJ030", "fail", "'django' is mentioned here", TASK, subject=Subject("container", "nextjs"))
    nodes, _ = marks([*make_results(), extra])
    assert "nextjs (frontend)" in nodes
    # not failing: unknown, waived and passing results mark nothing
    quiet = [replace(r, status=st) for r in make_results() for st in ("unknown", "waived", "pass")]
    assert marks(quiet) == (set(), set())
    # a result with no subject marks the block at its address
    nodes, _ = marks([R("CTJ003", "fail", "no subject", TASK)])
    assert nodes == {"ECS task civic-tech-jobs-stage (awsvpc)"}


def test_topology_draws_a_route_no_listener_rule_has():
    from ctj_policy.topology import build

    missing = R("CTJ010", "fail", "no listener rule routes /metrics/*", None, subject=Subject("route", "/metrics/*"))
    no_tg = R("CTJ010", "fail", "no frontend target group in scope", None, subject=Subject("target_group", "frontend"))
    g = build(make_deployment(), [missing, no_tg])
    assert {(n.label, n.kind, n.rules) for n in g.nodes if n.failing} == {
        ("no listener rule routes /metrics/*", "route", ("CTJ010",)),
        ("no frontend target group", "target_group", ("CTJ010",)),
    }


def test_topology_puts_a_variable_on_the_link_that_carries_it():
    """env subjects: SQL_PORT on the SQL_HOST link, a secrets variable on its secret link, any other on the
    container; an attachment of a role no container has, and a container not drawn, on the task."""
    from ctj_policy.topology import build

    def failing(subject):
        g = build(make_deployment(), [R("CTJ099", "fail", "m", TASK, subject=subject)])
        return {n.label.split("\n")[0] for n in g.nodes if n.failing} | {e.label for e in g.edges if e.failing}

    assert failing(Subject("env", "SQL_PORT", "django")) == {"SQL_HOST localhost:5432"}
    assert failing(Subject("env", "POSTGRES_PASSWORD", "postgres")) == {"POSTGRES_PASSWORD"}
    assert failing(Subject("env", "DEBUG", "django")) == {"django (backend)"}
    assert failing(Subject("attachment", "frontend", "nextjs")) == {"nextjs:3000"}
    assert failing(Subject("attachment", "backend")) == {"django:8000"}
    assert failing(Subject("attachment", "worker")) == {"ECS task civic-tech-jobs-stage (awsvpc)"}
    assert failing(Subject("container", "sidecar")) == {"ECS task civic-tech-jobs-stage (awsvpc)"}
    assert failing(Subject("repository", "civic-tech-jobs-frontend")) == {"nextjs (frontend)"}
    assert failing(Subject("service", SERVICE)) == {"ECS task civic-tech-jobs-stage (awsvpc)"}
    assert failing(Subject("target_group", TG_BACK)) == {"target group ctj-stage-django, port 8000, target ip"}
    assert failing(Subject("block", DB_SECRET)) == {"secret civic-tech-jobs/stage/db"}
    assert failing(Subject("workflow", "deploy/push")) == set()


def test_the_diagram_classifies_with_the_config_the_rules_used(tmp_path):
    """backend_names = ["gunicorn"]: the rules see a backend, and so does the diagram."""
    from ctj_policy.config import Config
    from ctj_policy.topology import build

    dep = make_deployment()
    task = dep.task_definitions[0]
    django, nextjs, postgres = task.containers
    # neither the image nor any evidence (ports, variables) tells the role: only the configured name does
    gunicorn = replace(django, name="gunicorn", image="python:3.12", port_mappings=(), environment=(), secrets=())
    dep.task_definitions[0] = replace(task, containers=(gunicorn, nextjs, postgres))
    dep.services[0] = replace(
        dep.services[0],
        load_balancers=(
            LoadBalancerAttachment(Ref(TG_BACK, "arn"), "gunicorn", 8000),
            LoadBalancerAttachment(Ref(TG_FRONT, "arn"), "nextjs", 3000),
        ),
    )

    def role_of_gunicorn(config):
        g = build(dep, [], config)
        return next(n.label.split("\n")[0] for n in g.nodes if n.label.startswith("gunicorn"))

    assert role_of_gunicorn(Config()) == "gunicorn"
    assert role_of_gunicorn(Config(backend_names=("gunicorn",))) == "gunicorn (backend)"
    # through the CLI: the report carries the config it was evaluated with
    plan = json.loads((PLANS / "stage1-project.json").read_text())
    for rc in plan["resource_changes"]:
        after = rc["change"]["after"]
        if rc["type"] == "aws_ecs_task_definition":
            cds = json.loads(after["container_definitions"])
            for c in cds:
                if c["name"] == "django":
                    c["name"], c["image"] = "gunicorn", "python:3.12"
                    for evidence in ("portMappings", "environment", "secrets"):
                        c.pop(evidence, None)
            after["container_definitions"] = json.dumps(cds)
        if rc["type"] == "aws_ecs_service":
            for lb in after["load_balancer"]:
                if lb["container_name"] == "django":
                    lb["container_name"] = "gunicorn"
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "ctj.toml").write_text('backend-names = ["gunicorn"]\n')
    from conftest import run_cli

    for config_args, role in (
        ([], "gunicorn<br/>"),
        (["--config", str(tmp_path / "ctj.toml")], "gunicorn (backend)<br/>"),
    ):
        proc = run_cli(
            "check",
            str(tmp_path / "plan.json"),
            "--format",
            "markdown",
            "--format",
            "json",
            "--output",
            str(tmp_path / "r.json"),
            *config_args,
        )
        assert proc.returncode in (0, 1), proc.stderr.decode()
        (diagram,) = mermaid_blocks(proc.stdout.decode())
        assert f'["{role}' in diagram or f'["\u274c {role}' in diagram, diagram
        ctj001 = [r for r in json.loads((tmp_path / "r.json").read_text())["results"] if r["rule_id"] == "CTJ001"]
        assert ctj001 and all(r["status"] == ("pass" if config_args else "fail") for r in ctj001), ctj001


def test_topology_labels_read_values_known_after_apply_and_group_module_calls():
    from ctj_policy.model import DatabaseResource
    from ctj_policy.topology import build, readable

    zone = Ref("module.civic-tech-jobs.module.civic_tech_jobs_stage_dns_entry.data.aws_route53_zone.this", "name")
    assert readable(Template(("stage.", zone))) == "stage.<route53 zone>"
    assert readable(Ref("data.aws_db_instance.shared", "address")) == "<db instance>"
    assert readable(Ref("var.image_tag")) == "<var.image_tag>"
    dep = make_deployment()
    rule = dep.listener_rules[0]
    dep.listener_rules[0] = replace(
        rule,
        conditions=(
            RuleCondition(path_patterns=("/api/*",)),
            RuleCondition(host_headers=(Template(("stage.", zone)),)),
        ),
    )
    call = "module.civic-tech-jobs.module.civic_tech_jobs_stage_database"
    dep.databases = (
        [DatabaseResource(call, kind="module", type="module")]
        + [DatabaseResource(f"{call}.postgresql_role.r{i}", type="postgresql_role") for i in range(3)]
        + [DatabaseResource(f"{call}.module.db_password_{i}", kind="module", type="module") for i in range(6)]
        + [DatabaseResource(f"{call}.data.aws_db_instance.shared", kind="data", type="aws_db_instance")]
    )
    g = build(
        dep,
        [
            R(
                "CTJ020",
                "fail",
                "database module",
                f"{call}.postgresql_role.r1",
                subject=Subject("block", f"{call}.postgresql_role.r1"),
            )
        ],
    )
    route = next(n for n in g.nodes if n.label.startswith("listener rule #100"))
    assert route.label == "listener rule #100 /api/*\nhost stage.<route53 zone>"
    (db,) = [n for n in g.nodes if n.kind == "managed_database"]
    assert (
        db.label == "database module civic_tech_jobs_stage_database\n"
        "10 blocks inside: 1 data.aws_db_instance, 6 module calls, 3 postgresql_role"
    )
    assert db.count == 11 and db.failing and db.rules == ("CTJ020",)


# --------------------------------------------------------------------------
# end to end on every fixture plan
# --------------------------------------------------------------------------

# every plan fixture (expected.json is the verdict table, not a plan)
FIXTURE_PLANS = sorted(p for p in PLANS.glob("*.json") if p.name != "expected.json")
# the same miniature incubator as .tf sources (HCL mode): reports with file:line locations
# (whole trees only: incubator-stage1 is a project directory to lay over incubator/)
FIXTURE_TREES = sorted(p for p in (ROOT / "fixtures" / "terraform").glob("*") if p.is_dir() and any(p.glob("*.tf")))


@functools.cache
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
    located = [
        r
        for f in files
        for r in json.loads(f.read_text())["runs"][0]["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".tf")
    ]
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
        rows = [ln for ln in md.splitlines() if ln.startswith("| ") and "CTJ" in ln]
        # a result that follows from another is named in its cause's row, not a row of its own
        assert len(rows) >= len([r for r in fails if not r.caused_by]), name
        for r in fails:
            if r.caused_by:
                assert any(f"**{r.caused_by}**" in ln and r.rule_id in ln.split("\u21b3", 1)[-1] for ln in rows), name
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
    bad = [
        (n, r["error"])
        for n, r in zip(names, out, strict=True)
        if not r["ok"] or not r["svg"].lstrip().startswith("<svg")
    ]
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
        proc = cli(
            "check",
            inp,
            "--format",
            "sarif",
            "--output",
            str(sarif),
            "--format",
            "markdown",
            "--output",
            str(md),
            "--format",
            "junit",
            "--output",
            str(xml),
            "--format",
            "github",
        )
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
