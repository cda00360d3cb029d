"""ensure_python_hcl2(): a clobbered hcl2 (bc-python-hcl2 over python-hcl2) is a one-line InputError."""

from __future__ import annotations

import importlib.metadata
import subprocess
from pathlib import Path

import pytest

from conftest import require_tool
from ctj_policy import hcl2_check
from ctj_policy.loaders import InputError

ROOT = Path(__file__).resolve().parent.parent


def test_clean_python_hcl2_passes():
    assert hcl2_check.diagnose() is None
    hcl2_check.ensure_python_hcl2()


def _fake(monkeypatch, versions: dict, files: dict, tmp_path: Path):
    pkg = tmp_path / "hcl2"
    pkg.mkdir()
    for name, text in files.items():
        (pkg / name).write_text(text)

    def version(dist):
        if dist in versions:
            return versions[dist]
        raise importlib.metadata.PackageNotFoundError(dist)

    class Spec:
        origin = str(pkg / "__init__.py")

    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(hcl2_check.importlib.util, "find_spec", lambda name: Spec())


def test_bc_files_over_python_hcl2(monkeypatch, tmp_path):
    # pip installed bc-python-hcl2 after python-hcl2: its files replaced the 8.x ones
    _fake(monkeypatch, {"python-hcl2": "8.1.4", "bc-python-hcl2": "0.4.3"},
          {"__init__.py": "", "version.py": "__version__ = '0.4.3'\n", "hcl2.lark": ""}, tmp_path)
    with pytest.raises(InputError) as exc:
        hcl2_check.ensure_python_hcl2()
    msg = str(exc.value)
    assert "python-hcl2 8.1.4 is shadowed by bc-python-hcl2 (installed by Checkov)" in msg
    assert "own environment" in msg and "\n" not in msg


def test_bc_only(monkeypatch, tmp_path):
    _fake(monkeypatch, {"bc-python-hcl2": "0.4.3"}, {"__init__.py": "", "hcl2.lark": ""}, tmp_path)
    msg = str(pytest.raises(InputError, hcl2_check.ensure_python_hcl2).value)
    assert "shadowed by bc-python-hcl2 0.4.3" in msg


def test_wrong_major(monkeypatch, tmp_path):
    _fake(monkeypatch, {"python-hcl2": "4.3.2"}, {"__init__.py": "", "postlexer.py": "", "hcl2.lark": ""}, tmp_path)
    assert "needs python-hcl2 8.x" in str(pytest.raises(InputError, hcl2_check.ensure_python_hcl2).value)


GOOD_FILES = {"__init__.py": "", "postlexer.py": "", "hcl2.lark": "", "version.py": "__version__ = version = '8.1.4'\n"}


@pytest.mark.parametrize(
    "name, dists, files, fine",
    [
        ("python-hcl2 8 alone", ["python_hcl2-8.1.4.dist-info"], GOOD_FILES, True),
        ("bc-python-hcl2 beside it", ["python_hcl2-8.1.4.dist-info", "bc_python_hcl2-0.4.3.dist-info"], GOOD_FILES, False),
        ("no python-hcl2 dist-info", [], GOOD_FILES, False),
        ("python-hcl2 7", ["python_hcl2-7.3.1.dist-info"], GOOD_FILES, False),
        ("python-hcl2 8.1.3", ["python_hcl2-8.1.3.dist-info"], {**GOOD_FILES, "version.py": "__version__ = '8.1.3'\n"}, False),
        ("python-hcl2 8.2.0", ["python_hcl2-8.2.0.dist-info"], {**GOOD_FILES, "version.py": "__version__ = '8.2.0'\n"}, True),
        ("fork's version.py", ["python_hcl2-8.1.4.dist-info"], {**GOOD_FILES, "version.py": "__version__ = '0.4.3'\n"}, False),
        ("postlexer.py missing", ["python_hcl2-8.1.4.dist-info"],
         {k: v for k, v in GOOD_FILES.items() if k != "postlexer.py"}, False),
    ],
)
def test_fast_path_only_accepts_the_plain_case(tmp_path, name, dists, files, fine):
    """The metadata-free shortcut says "fine" only when the full diagnosis would; otherwise it defers."""
    for d in dists:
        (tmp_path / d).mkdir()
    pkg = tmp_path / "hcl2"
    pkg.mkdir()
    for fname, text in files.items():
        (pkg / fname).write_text(text)
    assert hcl2_check._plainly_fine(pkg) is fine, name


def test_bc_dist_info_beside_good_files_is_still_diagnosed(monkeypatch, tmp_path):
    """Fast path declines (bc-python-hcl2's dist-info is there); the full diagnosis names it."""
    (tmp_path / "python_hcl2-8.1.4.dist-info").mkdir()
    (tmp_path / "bc_python_hcl2-0.4.3.dist-info").mkdir()
    _fake(monkeypatch, {"python-hcl2": "8.1.4", "bc-python-hcl2": "0.4.3"}, GOOD_FILES, tmp_path)
    msg = str(pytest.raises(InputError, hcl2_check.ensure_python_hcl2).value)
    assert "bc-python-hcl2 0.4.3 is installed" in msg


@pytest.mark.parametrize("version", ["8.1.0", "8.1.3"])
def test_python_hcl2_older_than_8_1_4_is_refused(monkeypatch, tmp_path, version):
    """8.1.0-8.1.3's grammar misreads true/false/null, CRLF files or keyword keys: refuse, say how to upgrade."""
    _fake(monkeypatch, {"python-hcl2": version},
          {**GOOD_FILES, "version.py": f"__version__ = '{version}'\n"}, tmp_path)
    msg = str(pytest.raises(InputError, hcl2_check.ensure_python_hcl2).value)
    assert f"python-hcl2 {version} is installed; HCL mode needs python-hcl2 8.1.4 or later" in msg
    assert "pip install --upgrade 'python-hcl2>=8.1.4,<9'" in msg
    assert "Checkov" not in msg and "\n" not in msg


def test_release_parsing():
    assert hcl2_check._release("8.1.4") == (8, 1, 4)
    assert hcl2_check._release("8.1.4.dev2+g123") == (8, 1, 4)
    assert hcl2_check._release("8.10.0") > hcl2_check._release("8.9.9")
    assert hcl2_check._too_old("8.1.3") and not hcl2_check._too_old("8.1.4") and not hcl2_check._too_old("9.0.0")


def test_real_checkov_env_is_detected():
    """In .venv-checkov (bc-python-hcl2 only) the detection fires, with the standard library only."""
    py = ROOT / ".venv-checkov" / "bin" / "python"
    require_tool(py.is_file(), ".venv-checkov/bin/python is missing (scripts/test.sh installs requirements-checkov.txt into .venv-checkov)")
    code = "import sys; sys.path.insert(0, sys.argv[1]); from ctj_policy.hcl2_check import diagnose; print(diagnose())"
    out = subprocess.run([str(py), "-c", code, str(ROOT)], capture_output=True, timeout=60).stdout.decode()
    assert "shadowed by bc-python-hcl2" in out


def test_install_hint_names_the_declared_requirement():
    from ctj_policy.config import _tomllib  # tomllib, or tomli on Python 3.10

    deps = _tomllib().loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert hcl2_check.REQUIREMENT in deps
