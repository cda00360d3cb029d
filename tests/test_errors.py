"""errors.py at the bottom of the layers: what imports what among the input-side modules (issue 9).

Every import is read from the source (lazy imports inside functions count too),
so a module that reaches up to a higher layer fails here even if it only does
so on one code path.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from conftest import ROOT

PACKAGE = ROOT / "ctj_policy"

# module -> the ctj_policy modules it may import (a prefix allows the package below it)
ALLOWED = {
    "ctj_policy.errors": set(),
    "ctj_policy.limits": {"ctj_policy.errors"},
    "ctj_policy.hcl2_check": {"ctj_policy.errors"},
    "ctj_policy.config": {"ctj_policy.errors", "ctj_policy.limits"},
    "ctj_policy.waivers": {"ctj_policy.errors", "ctj_policy.config"},
}
LOADERS = ["ctj_policy.loaders", "ctj_policy.loaders.plan", "ctj_policy.loaders.references",
           "ctj_policy.loaders.scope"]
# what a loader may use: the bottom layers, the model (with its address helpers), and other loaders
LOADER_ALLOWED = {
    "ctj_policy.errors", "ctj_policy.limits", "ctj_policy.config", "ctj_policy.model", "ctj_policy.addresses",
    "ctj_policy.loaders",
}


def _path(module: str):
    rel = module.split(".")[1:]
    pkg = PACKAGE.joinpath(*rel)
    return pkg / "__init__.py" if pkg.is_dir() else pkg.with_suffix(".py")


def imported(module: str) -> set[str]:
    """The ctj_policy modules ``module`` imports anywhere in its source."""
    path = _path(module)
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("ctj_policy"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("ctj_policy"):
                continue
            if node.module is None or _path_exists(target):
                # "from . import x" / "from .pkg import mod": each name may be a module
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    out.add(sub if _path_exists(sub) else target)
            else:
                out.add(target)
    return out


def _path_exists(module: str) -> bool:
    try:
        return _path(module).exists()
    except (IndexError, ValueError):
        return False


def _allowed(name: str, allowed: set[str]) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allowed)


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_bottom_modules_import_only_what_is_below_them(module):
    bad = {m for m in imported(module) if not _allowed(m, ALLOWED[module])}
    assert not bad, f"{module} imports {sorted(bad)}"


@pytest.mark.parametrize("module", LOADERS)
def test_loaders_import_nothing_above_the_model(module):
    bad = {m for m in imported(module) if not _allowed(m, LOADER_ALLOWED)}
    assert not bad, f"{module} imports {sorted(bad)}"


def test_the_import_reader_sees_relative_and_lazy_imports():
    # the guard above is only worth something if it finds imports: check it on modules we know
    assert "ctj_policy.errors" in imported("ctj_policy.hcl2_check")
    assert {"ctj_policy.errors", "ctj_policy.limits"} <= imported("ctj_policy.config")  # limits: inside a function
    assert "ctj_policy.loaders.scope" in imported("ctj_policy.loaders.plan")
    assert "ctj_policy.model" in imported("ctj_policy.loaders")


def test_hcl2_check_does_not_load_the_loaders():
    code = "import sys, ctj_policy.hcl2_check; print(sorted(m for m in sys.modules if m.startswith('ctj_policy')))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['ctj_policy', 'ctj_policy.errors', 'ctj_policy.hcl2_check']"


def test_old_import_paths_are_the_same_classes():
    from ctj_policy import errors
    from ctj_policy.config import ConfigError
    from ctj_policy.loaders import InputError
    from ctj_policy.waivers import WaiverSyntaxError

    assert InputError is errors.InputError and ConfigError is errors.ConfigError
    assert issubclass(WaiverSyntaxError, InputError) and issubclass(WaiverSyntaxError, ValueError)
    assert issubclass(errors.LimitError, InputError)
    for cls in (InputError, ConfigError):
        assert issubclass(cls, errors.CtjPolicyError)
