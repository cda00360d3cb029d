"""The deploy workflows in the Markdown diagram (issue 12, SPEC section 11): each push's image flows into the container
that pulls it, each redeploy into the CTJ task, mismatches dashed and marked with their reason and the failing rules.
Exact Mermaid (the workflow lines of each diagram) on the fixture matrix, rendered by Mermaid in headless Chromium;
without --workflow the diagram is the one it was; no workflow secret reaches it."""

from __future__ import annotations

import re

import pytest

from conftest import PLANS, ROOT, TERRAFORM, run_cli
from test_reporters_ci import mermaid_blocks, render_mermaid

WF = "fixtures/workflows"
WF_DIR = ROOT / WF
ALL = ["stage1-deploy.yml", "stage1-build-push-action.yml", "sha-tag.yml", "wrong-service.yml", "static-keys.yml",
       "next-public-env-only.yml", "postgres-image.yml", "legacy.yml"]
X = "\u274c"


def diagram(source: str, *workflows: str) -> str:
    args = ["check", source, *[a for w in workflows for a in ("--workflow", f"{WF}/{w}")], "--format", "markdown"]
    proc = run_cli(*args, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stderr
    (chart,) = mermaid_blocks(proc.stdout.decode())
    return chart


def workflow_lines(chart: str) -> list[str]:
    """The lines that draw the workflows' nodes and edges (and the class line that marks them)."""
    return [line.strip() for line in chart.splitlines() if re.search(r"\bwf\d+\b", line)]


def push(n: int, image: str, at: str, *, why: str = "", rules: str = "") -> str:
    label = f"workflow pushes {image}" + (f"<br/>{why}" if why else "") + f"<br/>{WF}/{at}"
    return f'wf{n}>"{X} {label}<br/>({rules})"]' if rules else f'wf{n}>"{label}"]'


def redeploy(n: int, service: str, at: str, rules: str = "") -> str:
    label = f"workflow redeploys service {service}<br/>on cluster incubator-prod<br/>{WF}/{at}"
    return f'wf{n}[["{X} {label}<br/>({rules})"]]' if rules else f'wf{n}[["{label}"]]'


def missing(n: int, image: str) -> str:
    return f'wf{n}>"{X} no workflow pushes {image}<br/>(CTJ040)"]'


UNPULLED = "no container of the task pulls it"
STAGE1_GOOD = lambda f, b, fr, r: [  # noqa: E731 - the correct workflow's lines, at its own line numbers
    push(0, "civic-tech-jobs-backend:stage", f"{f}:{b}"),
    push(1, "civic-tech-jobs-frontend:stage", f"{f}:{fr}"),
    redeploy(2, "civic-tech-jobs-stage", f"{f}:{r}"),
    'wf0 -->|"pulls :stage"| con6',
    'wf1 -->|"pulls :stage"| con7',
    'wf2 -->|"redeploys"| tas5',
]
SHA = "${{ github.sha }}"
LEGACY_PLAN_TAIL = ["wf2 -.->|\"" + X + " image never pushed (CTJ040)\"| con3"]

EXPECTED = {
    ("stage1-project.json", "stage1-deploy.yml"): STAGE1_GOOD("stage1-deploy.yml", 55, 68, 74),
    ("stage1-project.json", "stage1-build-push-action.yml"): STAGE1_GOOD("stage1-build-push-action.yml", 41, 53, 74),
    ("stage1-project.json", "static-keys.yml"): STAGE1_GOOD("static-keys.yml", 39, 40, 43),  # CTJ043: no image or redeploy
    ("stage1-project.json", "sha-tag.yml"): [
        push(0, f"civic-tech-jobs-frontend:{SHA}", "sha-tag.yml:38", rules="CTJ040"),
        push(1, f"civic-tech-jobs-backend:{SHA}", "sha-tag.yml:39", rules="CTJ040"),
        redeploy(2, "civic-tech-jobs-stage", "sha-tag.yml:42"),
        f'wf0 -.->|"{X} tag differs: pushes :{SHA}, pulls :stage (CTJ040)"| con7',
        f'wf1 -.->|"{X} tag differs: pushes :{SHA}, pulls :stage (CTJ040)"| con6',
        'wf2 -->|"redeploys"| tas5',
        "class con6,con7,wf0,wf1 fail",
    ],
    ("stage1-project.json", "wrong-service.yml"): [
        push(0, "civic-tech-jobs-backend:stage", "wrong-service.yml:37"),
        push(1, "civic-tech-jobs-frontend:stage", "wrong-service.yml:37"),
        redeploy(2, "civic-tech-jobs-fs-stage", "wrong-service.yml:42", "CTJ041"),
        'wf0 -->|"pulls :stage"| con6',
        'wf1 -->|"pulls :stage"| con7',
        f'wf2 -.->|"{X} service is not civic-tech-jobs-stage (CTJ041)"| tas5',
        "class wf2 fail",
    ],
    ("stage1-project.json", "next-public-env-only.yml"): [
        push(0, "civic-tech-jobs-backend:stage", "next-public-env-only.yml:30"),
        push(1, "civic-tech-jobs-frontend:stage", "next-public-env-only.yml:37", rules="CTJ042"),
        redeploy(2, "civic-tech-jobs-stage", "next-public-env-only.yml:40"),
        'wf0 -->|"pulls :stage"| con6',
        'wf1 -->|"pulls :stage"| con7',
        'wf2 -->|"redeploys"| tas5',
        "class wf1 fail",
    ],
    ("stage1-project.json", "postgres-image.yml"): [
        push(0, "civic-tech-jobs-backend:stage", "postgres-image.yml:36"),
        push(1, "civic-tech-jobs-frontend:stage", "postgres-image.yml:39"),
        push(2, "civic-tech-jobs-postgres:stage", "postgres-image.yml:41", why=UNPULLED, rules="CTJ040, CTJ044"),
        redeploy(3, "civic-tech-jobs-stage", "postgres-image.yml:44"),
        'wf0 -->|"pulls :stage"| con6',
        'wf1 -->|"pulls :stage"| con7',
        'wf3 -->|"redeploys"| tas5',
        "class wf2 fail",
    ],
    ("stage1-project.json", "legacy.yml"): [
        push(0, "civic-tech-jobs-fullstack:stage", "legacy.yml:39", why=UNPULLED, rules="CTJ040"),
        missing(1, "civic-tech-jobs-backend:stage"),
        missing(2, "civic-tech-jobs-frontend:stage"),
        redeploy(3, "civic-tech-jobs-fs-stage", "legacy.yml:46", "CTJ041"),
        f'wf1 -.->|"{X} image never pushed (CTJ040)"| con6',
        f'wf2 -.->|"{X} image never pushed (CTJ040)"| con7',
        f'wf3 -.->|"{X} service is not civic-tech-jobs-stage (CTJ041)"| tas5',
        "class con6,con7,wf0,wf1,wf2,wf3 fail",
    ],
    ("legacy.json", "legacy.yml"): [
        push(0, "civic-tech-jobs-fullstack:stage", "legacy.yml:39"),
        redeploy(1, "civic-tech-jobs-fs-stage", "legacy.yml:46"),
        'wf0 -->|"pulls :stage"| con3',
        'wf1 -->|"redeploys"| tas2',
    ],
    ("legacy.json", "stage1-deploy.yml"): [
        push(0, "civic-tech-jobs-backend:stage", "stage1-deploy.yml:55", why=UNPULLED, rules="CTJ040"),
        push(1, "civic-tech-jobs-frontend:stage", "stage1-deploy.yml:68", why=UNPULLED, rules="CTJ040"),
        missing(2, "civic-tech-jobs-fullstack:stage"),
        redeploy(3, "civic-tech-jobs-stage", "stage1-deploy.yml:74", "CTJ041"),
        f'wf2 -.->|"{X} image never pushed (CTJ040)"| con3',
        f'wf3 -.->|"{X} service is not civic-tech-jobs-fs-stage (CTJ041)"| tas2',
        "class con3,man4,rou7,rou8,tar9,wf0,wf1,wf2,wf3 fail",
    ],
}


@pytest.fixture(scope="module")
def matrix() -> dict[tuple[str, str], str]:
    return {(plan, wf): diagram(str(PLANS / plan), wf) for plan in ("stage1-project.json", "legacy.json") for wf in ALL}


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: f"{k[0]}+{k[1]}")
def test_exact_workflow_lines(matrix, key):
    assert workflow_lines(matrix[key]) == EXPECTED[key]


def test_every_mismatch_is_dashed_and_every_dashed_link_is_red(matrix):
    """A link drawn with -.-> is a mismatch (red in linkStyle) or undecided (labelled with a question mark)."""
    for key, chart in matrix.items():
        links = [line.strip() for line in chart.splitlines() if re.match(r"\s+\w+ (-->|==>|-\.->)", line)]
        red = set()
        for line in chart.splitlines():
            if line.strip().startswith("linkStyle"):
                red |= {int(i) for i in line.split()[1].split(",")}
        for i, link in enumerate(links):
            if "-.->" in link:
                assert i in red or "?" in link, (key, link)
            if link.startswith("wf") and X in link:
                assert "-.->" in link, (key, link)


def test_without_a_workflow_the_diagram_is_unchanged(matrix):
    """Without --workflow no workflow element is drawn, and with a workflow in lockstep with the plan (no failing
    rule marks a Terraform element) every line of the plain diagram stays, in order."""
    for plan, wf in (("stage1-project.json", "stage1-deploy.yml"), ("legacy.json", "legacy.yml")):
        plain = diagram(str(PLANS / plan))
        assert not workflow_lines(plain) and "-.->" not in plain
        with_wf = matrix[(plan, wf)].splitlines()
        kept = [line for line in plain.splitlines() if not line.strip().startswith(("class ", "linkStyle "))]
        assert [line for line in with_wf if line in kept] == kept


def test_hcl_mode():
    """From the .tf sources the images are references to the ECR repositories: they resolve to the same edges."""
    chart = diagram(str(TERRAFORM / "stage1"), "stage1-deploy.yml")
    lines = workflow_lines(chart)
    assert 'wf2 -->|"redeploys"| tas5' in lines, lines  # the cluster is named by its block (CTJ041 passes)
    assert sum('-->|"pulls :stage"|' in line for line in lines) == 2, lines


def test_the_diagrams_render(matrix, tmp_path):
    """Every diagram of the matrix is valid Mermaid: headless Chromium renders each to an SVG."""
    charts = list(matrix.values())
    out = render_mermaid(charts, tmp_path)
    for key, rendered in zip(matrix, out, strict=True):
        assert rendered.get("svg") and not rendered.get("error"), (key, rendered)


def _secret_run(tmp_path, text: str, secret: str) -> list[str]:
    assert secret in text
    wf = tmp_path / "deploy.yml"
    wf.write_text(text)
    proc = run_cli("check", str(PLANS / "stage1-project.json"), "--workflow", str(wf), "--format", "markdown", cwd=ROOT)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1, out
    assert secret not in out
    (chart,) = mermaid_blocks(out)
    return workflow_lines(chart)


def test_no_workflow_secret_in_the_diagram_secret_env(tmp_path):
    """A secret-looking env entry used as the image tag: its value is never resolved into the model, so the pushes
    are drawn with the tag's expression, undecided (dashed, a question), and the value appears nowhere."""
    secret = "tok-9f8e7d6c5b4a3928zz"
    text = (ROOT / WF / "stage1-deploy.yml").read_text()
    text = text.replace("  IMAGE_TAG: stage\n", f"  DEPLOY_TOKEN: {secret}\n  IMAGE_TAG: ${{{{ env.DEPLOY_TOKEN }}}}\n", 1)
    lines = _secret_run(tmp_path, text, secret)
    assert sum('-.->|"tag known at run time: pulls :stage?"|' in line for line in lines) == 2, lines


def test_no_workflow_secret_in_the_diagram_redacted_label(tmp_path):
    """A literal static key that the workflow also uses (under a plain name) as the image tag: the value is resolved
    into the push's tag, so the diagram's labels carry it, and the redactor keeps it out of the comment."""
    key = "AKIAZZZZ7777EXAMPLE1"
    text = (WF_DIR / "static-keys.yml").read_text().replace("${{ secrets.AWS_ACCESS_KEY_ID }}", key)
    text = re.sub(r"civic-tech-jobs-(frontend|backend):stage", rf"civic-tech-jobs-\1:{key}", text)
    lines = _secret_run(tmp_path, text, key)
    assert sum("tag differs: pushes :" in line for line in lines) == 2, lines  # the pushes are drawn, the tag redacted
