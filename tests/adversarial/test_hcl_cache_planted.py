"""Issue 13, point 1: a cache directory others can write, full of planted pickles and forged parse trees.

Nothing planted runs (a pickle that would create a marker file does not), and no verdict changes (a
forged tree saying ``desired_count = 1`` for a file that says 2 is not believed).  The planted files
are made the way an attacker who knows the cache format would make them, for the format of the code
under test (so the test also shows the attack working on the code before the fix).
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import pickle
import shutil
from pathlib import Path

import pytest
from hostile import ROOT, assert_clean, run_bounded

TREE = ROOT / "fixtures" / "terraform" / "stage1"
EDITED = "projects/civic-tech-jobs/environment-stage.tf"

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX modes and owners needed")


class _Plant:
    """Unpickling this runs a shell command (what a planted pickle would do)."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def _results(out) -> list:
    assert_clean(out)
    doc = json.loads(out.stdout)
    return sorted((r["rule_id"], r["status"], r.get("address") or "", r.get("message") or "") for r in doc["results"])


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(TREE, tree, symlinks=True)
    f = tree / EDITED
    text = f.read_text()
    assert "desired_count                      = 1" in text
    f.write_text(text.replace("desired_count                      = 1", "desired_count                      = 2"))
    return tree


def _forge_tree(real: Path, forged_text: str, xdg: Path, monkeypatch) -> tuple[str, bytes]:
    """(entry path relative to the cache directory, bytes) of a parse tree of ``forged_text``
    stored under the name of ``real``'s tree, in the format of the code under test."""
    from ctj_policy.loaders import hcl_parse

    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg / "forger"))
    raw = real.read_bytes()
    if hasattr(hcl_parse, "_tree_entry"):  # private entries of token offsets: inline every token's text
        from ctj_policy import cache

        source = forged_text + "\n"

        def literal(form):
            if len(form) == 2:
                return (form[0], tuple(literal(c) for c in form[1]))
            if len(form) == 4:
                return (form[0], source[form[1] : form[2]], form[3])
            return form

        payload = marshal.dumps(literal(hcl_parse._fresh_form(forged_text, "x")))
        header = cache._HEADER.pack(cache.MAGIC, len(payload), hashlib.sha256(payload).digest())
        return hcl_parse._tree_entry(raw), header + payload
    # the code before the fix: parsed/<xx>/<sha>.marshal holding the tree's text
    path = hcl_parse._cache_path(raw)
    rel = path.relative_to(hcl_parse._user_cache_dir())
    return str(rel), marshal.dumps(hcl_parse._dump(hcl_parse.parse_tree(forged_text, "x")))


def _plant_everywhere(directory: Path, marker: Path) -> None:
    """Every file of the cache replaced by a pickle that creates ``marker`` when loaded, in the
    entry format each name has (so a loader that trusts the directory would run it)."""
    evil = pickle.dumps(_Plant(f"touch {marker}"))
    for path in directory.rglob("*"):
        if not path.is_file() or "tree-" in path.name or path.suffix == ".marshal":
            continue
        data = path.read_bytes()
        try:
            from ctj_policy import cache

            magic = cache.MAGIC
        except ImportError:
            magic = None
        if magic and data.startswith(magic):
            new = cache._HEADER.pack(magic, len(evil), hashlib.sha256(evil).digest()) + evil
        elif path.name.endswith(".bin"):  # Lark's own grammar cache: a digest line, then pickles
            new = data.split(b"\n", 1)[0] + b"\n" + evil
        else:
            new = evil
        path.write_bytes(new)
        path.chmod(0o600)


@pytest.mark.parametrize("attack", ["world-writable directory", "entries others wrote"])
def test_planted_pickles_and_forged_trees_change_nothing(tmp_path, monkeypatch, attack):
    tree = _tree(tmp_path)
    xdg = tmp_path / "xdg"
    env = {"XDG_CACHE_HOME": str(xdg)}
    env.pop("CTJ_POLICY_NO_CACHE", None)
    monkeypatch.delenv("CTJ_POLICY_NO_CACHE", raising=False)
    args = ("check", str(tree), "--format", "json")

    extra = tree / "projects" / "civic-tech-jobs" / "extra.tf"  # a file no cache holds: the parser must load
    extra.write_text("# run 0\n")
    truth = _results(run_bounded(*args, env=env))  # fills the cache: parser pickle, grammar, trees
    assert ("CTJ026", "fail") in {(r[0], r[1]) for r in truth}
    directory = xdg / "ctj-policy"
    assert any(directory.rglob("*"))

    marker = tmp_path / "pwned"
    _plant_everywhere(directory, marker)
    forged = (tree / EDITED).read_text().replace("= 2", "= 1")
    rel, data = _forge_tree(tree / EDITED, forged, tmp_path, monkeypatch)
    entry = directory / rel
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(data)
    if attack == "world-writable directory":
        for p in [directory, *directory.rglob("*")]:
            p.chmod(0o777 if p.is_dir() else 0o600)
    else:  # a private directory, but entries another user could have written
        for p in directory.rglob("*"):
            p.chmod(0o777 if p.is_dir() else 0o666)

    for i in range(1, 3):  # the first run may rebuild what it refused; the second reads what is there
        extra.write_text(f"# run {i}\n")
        after = _results(run_bounded(*args, env=env))
        assert not marker.exists(), "a planted pickle ran"
        assert after == truth
