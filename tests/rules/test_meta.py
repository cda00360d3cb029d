"""The rule set as a whole: metadata, the SPEC's IDs, robustness, no secret in any message.

Every list of rules here derives from ``ALL_RULES``: adding a rule module is
enough for these tests to cover it.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from ctj_policy.config import DEFAULT
from ctj_policy.model import ERROR, STATUSES, SUBJECT_KINDS, WARNING, Deployment, Finding, Subject
from ctj_policy.rules import ALL_RULES, RULES_BY_ID, TERRAFORM_RULES, WORKFLOW_RULES, get_rule
from ctj_policy.rules.base import APPLIES_TO

from .builders import (
    CONFIG,
    RULE_ADMIN,
    del_secret,
    edit,
    legacy,
    secret_to_env,
    service,
    set_env,
    stage1,
    task,
    unknown_containers,
)

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "SPEC.md"


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")


DECISION_ANCHORS = {_slug(h) for h in re.findall(r"^#{2,3} (.+)$", (ROOT / "docs" / "decision.md").read_text(encoding="utf-8"), flags=re.M)}


def test_registry_is_every_rule_module_in_id_order():
    modules = sorted(p.stem for p in (ROOT / "ctj_policy" / "rules").glob("ctj[0-9][0-9][0-9].py"))
    assert [r.id.lower() for r in ALL_RULES] == modules
    assert list(RULES_BY_ID) == [r.id for r in ALL_RULES]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_metadata(rule):
    assert re.fullmatch(r"CTJ\d{3}", rule.id)
    assert rule.title and rule.summary and rule.rationale and rule.remediation
    assert "\n" not in rule.summary and "\n" not in rule.title
    assert rule.severity in (ERROR, WARNING)
    if rule.needs_workflow:  # it judges a workflow, which Checkov does not read: no Checkov check, no resource type
        assert rule.checkov_id == "" and rule.resource_types == () and rule.example_language == "yaml"
    else:
        assert rule.checkov_id == "CKV_CTJ_" + rule.id[3:]
        assert rule.resource_types and all(re.fullmatch(r"[a-z0-9_*]+", t) for t in rule.resource_types)
    assert rule.applies_to in APPLIES_TO
    assert rule.bad.strip() and rule.good.strip() and rule.bad != rule.good
    # the rationale cites the decision as this repository states it, never a document outside it
    cited = re.findall(r"docs/decision\.md(#[a-z0-9-]+(?:, #[a-z0-9-]+| and #[a-z0-9-]+)*)", rule.rationale)
    assert cited, f"{rule.id}: the rationale must cite docs/decision.md#<section>"
    for anchor in re.findall(r"#([a-z0-9-]+)", " ".join(cited)):
        assert anchor in DECISION_ANCHORS, f"{rule.id}: docs/decision.md has no section #{anchor}"
    assert not re.search(r"\bseeds?\b|SPEC\.md|\.\./shared", rule.rationale + rule.remediation, flags=re.I), rule.id
    assert callable(rule.check)
    assert rule.check.__module__ == f"ctj_policy.rules.{rule.id.lower()}"


def spec_rules(text: str) -> dict[str, tuple[str, str]]:
    """Rule ID -> (title, severity) from every rule table of SPEC.md ("(warning)" marks a warning)."""
    rows = re.findall(r"^\| (CTJ\d{3}) \| ([^|]*?) \|", text, flags=re.M)
    return {rid: (title.replace("(warning)", "").strip(), WARNING if "(warning)" in title else ERROR) for rid, title in rows}


@pytest.mark.skipif(not SPEC.is_file(), reason=f"{SPEC} is absent (a bare clone): the SPEC comparison runs where ../shared exists, as in CI")
def test_rules_match_spec_table():
    """Every implemented rule is in SPEC's tables with the same ID, title and severity; SPEC rows not
    implemented yet are listed (a warning), not failed."""
    spec = spec_rules(SPEC.read_text(encoding="utf-8"))
    assert len(spec) >= len(ALL_RULES) // 2, "SPEC.md's rule tables were not recognized"
    for rule in ALL_RULES:
        assert rule.id in spec, f"{rule.id} is not in SPEC.md's rule tables"
        assert (rule.title, rule.severity) == spec[rule.id], rule.id
    pending = sorted(set(spec) - set(RULES_BY_ID))
    if pending:
        warnings.warn(f"SPEC.md rules not implemented yet: {', '.join(pending)}", stacklevel=1)


def test_checkov_ids_are_unique():
    with_checkov = [r for r in ALL_RULES if r.checkov_id]
    assert len({r.checkov_id for r in with_checkov}) == len(with_checkov) == len(TERRAFORM_RULES)


def _run_hcl(rule, text: str, tmp_path: Path) -> list[Finding]:
    from ctj_policy.loaders.hcl import load_hcl

    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    return list(rule.check(load_hcl(tmp_path, DEFAULT).deployment, DEFAULT))


def _run_workflow(rule, text: str, tmp_path: Path) -> list[Finding]:
    """A workflow example, loaded as ``--workflow`` loads it, against the Stage 1 plan."""
    from ctj_policy.loaders.plan import load_plan
    from ctj_policy.loaders.workflow import load_workflow

    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "deploy.yml").write_text("name: deploy\non: push\n" + text, encoding="utf-8")
    dep = load_plan(str(ROOT / "fixtures" / "plans" / "stage1-project.json"), DEFAULT).deployment
    dep.workflows = [load_workflow(str(tmp_path / "deploy.yml"), DEFAULT)]
    return list(rule.check(dep, DEFAULT))


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_examples_are_true(rule, tmp_path):
    """The documented examples, run through the HCL loader (a workflow rule's: through the workflow loader, against
    the Stage 1 plan): the bad one fails the rule, the good one passes it."""
    if rule.needs_workflow:
        bad = _run_workflow(rule, rule.bad, tmp_path / "bad")
        assert any(f.status == "fail" for f in bad), [(f.status, f.message) for f in bad]
        good = _run_workflow(rule, rule.good, tmp_path / "good")
        assert good and all(f.status == "pass" for f in good), [(f.status, f.message) for f in good]
        return
    bad = _run_hcl(rule, rule.bad, tmp_path / "bad")
    assert any(f.status == "fail" for f in bad), [(f.status, f.message) for f in bad]
    good = _run_hcl(rule, rule.good, tmp_path / "good")
    assert good and all(f.status == "pass" for f in good), [(f.status, f.message) for f in good]


@pytest.mark.subprocess
def test_generated_docs_are_current():
    """docs/rules.md and the README's rules table are what scripts/gen_rules_doc.py writes from ALL_RULES."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_rules_doc.py"), "--check"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in ALL_RULES:
        assert f"| [{rule.id}](docs/rules.md#{rule.id.lower()}) | {rule.severity} | {rule.summary} |" in readme


@pytest.mark.subprocess
def test_a_new_rule_is_one_module(tmp_path):
    """Dropping ctj099.py into the package is enough: the registry, Checkov's check map, the docs and
    ``explain`` pick it up (run on a copy of the package, so the real one is untouched)."""
    import shutil

    shutil.copytree(ROOT / "ctj_policy", tmp_path / "ctj_policy", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("<!-- rules-table:begin (generated by scripts/gen_rules_doc.py) -->\n<!-- rules-table:end -->\n")
    (tmp_path / "ctj_policy" / "rules" / "ctj099.py").write_text(textwrap.dedent('''
        from ..model import ERROR
        from .base import TASK, Rule
        from .common import passed


        def check(deployment, config):
            yield passed("always")


        RULE = Rule(
            id="CTJ099", title="throwaway", severity=ERROR, summary="a throwaway rule",
            rationale="see docs/decision.md", remediation="none", check=check,
            bad="# bad", good="# good", checkov_id="CKV_CTJ_099", resource_types=TASK,
        )
    '''))
    code = (
        "from ctj_policy.rules import RULES_BY_ID; from ctj_policy.checkov.mapping import BY_CHECK_ID; "
        "assert RULES_BY_ID['CTJ099'].title == 'throwaway'; assert BY_CHECK_ID['CKV_CTJ_099'].rule_id == 'CTJ099'; "
        "import runpy, sys; sys.argv = ['gen']; runpy.run_path('scripts/gen_rules_doc.py', run_name='__main__')"
    )
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "## CTJ099" in (tmp_path / "docs" / "rules.md").read_text()
    assert "[CTJ099](docs/rules.md#ctj099)" in (tmp_path / "README.md").read_text()
    proc = subprocess.run([sys.executable, "-m", "ctj_policy", "explain", "ctj099"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and "CTJ099: throwaway" in proc.stdout and "CKV_CTJ_099" in proc.stdout, proc.stderr


def test_get_rule_case_insensitive():
    assert get_rule("ctj021") is RULES_BY_ID["CTJ021"]
    assert get_rule(" Ctj001 ") is RULES_BY_ID["CTJ001"]
    with pytest.raises(KeyError):
        get_rule("CTJ999")


def _all(dep: Deployment, rules=ALL_RULES) -> list[tuple[str, Finding]]:
    out = []
    for rule in rules:
        findings = list(rule.check(dep, CONFIG))
        assert findings, f"{rule.id} yielded nothing"
        for f in findings:
            assert isinstance(f, Finding)
            assert f.status in STATUSES and f.status != "waived"
            assert f.message and "\n" not in f.message
            assert isinstance(f.subject, Subject) and f.subject.kind in SUBJECT_KINDS, (rule.id, f.message)
            assert isinstance(f.subject.name, str) and (f.subject.container is None or isinstance(f.subject.container, str)), (rule.id, f.subject)
            out.append((rule.id, f))
    return out


@pytest.mark.parametrize(
    "build",
    [Deployment, stage1, lambda: stage1(True), legacy, lambda: unknown_containers(stage1())],
    ids=["empty", "stage1", "stage1-symbolic", "legacy", "unknown-containers"],
)
def test_every_rule_reports(build):
    _all(build())


def test_stage1_passes_everything():
    for rule_id, f in _all(stage1(), TERRAFORM_RULES) + _all(stage1(True), TERRAFORM_RULES):
        assert f.status == "pass", (rule_id, f.message)


def test_workflow_rules_without_a_workflow_are_unknown_never_pass():
    """Asked directly without a workflow (the engine does not run them then), the lockstep rules say so."""
    assert [r.id for r in WORKFLOW_RULES] == ["CTJ040", "CTJ041", "CTJ042", "CTJ043", "CTJ044"]
    for rule_id, f in _all(stage1(), WORKFLOW_RULES):
        assert f.status == "unknown" and "--workflow" in f.message and f.subject == Subject("workflow", ""), rule_id


# rules that may pass when every container definition is unknown, and why (every other rule must say unknown)
PASS_WITHOUT_CONTAINERS = {
    "CTJ002": "legacy markers are module/service addresses and ECR repository names",
    "CTJ003": "network_mode is an attribute of the task, not of its containers",
    "CTJ010": "routing is listener rules and target groups; target groups fall back to their names/ports",
    "CTJ020": "database resources and module calls are not containers",
    "CTJ026": "desired_count, deployment percentages and autoscaling are the service's",
}


def test_unknown_containers_is_never_pass_for_container_rules():
    by_rule: dict[str, set] = {}
    for rule_id, f in _all(unknown_containers(stage1())):
        by_rule.setdefault(rule_id, set()).add(f.status)
    for rule in ALL_RULES:
        if rule.id in PASS_WITHOUT_CONTAINERS:
            assert by_rule[rule.id] == {"pass"}, f"{rule.id} no longer passes without containers: drop it from PASS_WITHOUT_CONTAINERS"
        else:
            assert by_rule[rule.id] == {"unknown"}, rule.id


def _failing_subjects(rule_id: str, dep: Deployment) -> set[Subject]:
    return {f.subject for f in get_rule(rule_id).check(dep, CONFIG) if f.status == "fail"}


def test_subjects_name_what_is_wrong():
    """Findings say what they are about by name: the variable and its container, the route, the volume,
    the attachment, the container, the resource (reporters and the diagram read this, never the message)."""
    dep = set_env(stage1(), "django", "SQL_HOST", "db.example.com")
    assert _failing_subjects("CTJ022", dep) == {Subject("env", "SQL_HOST", "django")}
    dep = stage1()
    dep.listener_rules = [r for r in dep.listener_rules if r.address != RULE_ADMIN]
    assert _failing_subjects("CTJ010", dep) == {Subject("route", "/admin/*")}
    dep = stage1()
    task(dep).requires_compatibilities = ("FARGATE",)
    service(dep).launch_type = "FARGATE"
    task(dep).volumes = (type(task(dep).volumes[0])("pgdata"),)  # a bind mount: task storage
    assert _failing_subjects("CTJ024", dep) == {Subject("volume", "pgdata", "postgres")}
    dep = stage1()
    service(dep).load_balancers = service(dep).load_balancers[:1]
    assert _failing_subjects("CTJ011", dep) == {Subject("attachment", "frontend", "nextjs")}
    dep = edit(stage1(), "postgres", image="postgres:latest")
    assert _failing_subjects("CTJ021", dep) == {Subject("container", "postgres")}
    dep = stage1()
    service(dep).desired_count = 2
    assert _failing_subjects("CTJ026", dep) == {Subject("service", service(dep).address)}
    assert {f.subject for f in get_rule("CTJ003").check(Deployment(), CONFIG)} == {Subject("task", "")}


def test_findings_carry_address_and_location():
    dep = stage1()
    dep = secret_to_env(dep, "django", "SQL_PASSWORD", "x-plain")
    for rule_id in ("CTJ023", "CTJ031"):
        f = next(f for f in get_rule(rule_id).check(dep, CONFIG) if f.status == "fail")
        assert f.address == dep.task_definitions[0].address
        assert f.location is not None and f.location.line == 40  # the django container


def test_no_secret_value_in_any_message():
    """Random secret values in secret-looking and sensitive variables never appear in a message."""
    values = [secrets.token_hex(12) for _ in range(8)]
    dep = stage1()
    dep = secret_to_env(dep, "django", "SQL_PASSWORD", values[0])
    dep = secret_to_env(dep, "django", "DJANGO_SECRET_KEY", values[1])
    dep = secret_to_env(dep, "postgres", "POSTGRES_PASSWORD", values[2])
    dep = set_env(dep, "nextjs", "NEXTAUTH_SECRET", values[3])
    dep = set_env(dep, "django", "DATABASE_URL", values[4], sensitive=True)
    dep = set_env(dep, "django", "DJANGO_DEBUG", values[5], sensitive=True)  # a sensitive value under a checked name
    dep = set_env(dep, "django", "SQL_USER", values[6], sensitive=True)  # compared against POSTGRES_USER
    dep = set_env(dep, "django", "SQL_PORT", values[7], sensitive=True)
    messages = [f.message for _, f in _all(dep)] + [f.subject.key() for _, f in _all(dep)]
    assert any(f.status == "fail" for _, f in _all(dep))
    for v in values:
        for m in messages:
            assert v not in m
    # and the variables are named
    joined = "\n".join(messages)
    for name in ("SQL_PASSWORD", "DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "NEXTAUTH_SECRET", "DATABASE_URL"):
        assert name in joined


# "every value unknown: no rule passes unless allow-listed" is tests/rules/test_unknown_meta.py: it makes every
# field of every model object unknown (generically, so a field or rule added later is covered), with and without
# names, shallow and deep, and checks its allow-lists are neither stale nor unexplained.


def test_missing_password_is_not_pass():
    dep = del_secret(stage1(), "django", "SQL_PASSWORD")
    assert [f.status for f in get_rule("CTJ023").check(dep, CONFIG)] == ["fail"]
