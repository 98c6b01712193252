"""The boundaries between bpviz's packages, checked by import-linter's contracts in
pyproject.toml ([tool.importlinter]): the core is numpy and the standard library only, nothing
imports the command line, the core's layers point one way, the GUI's model layer has no
widgets, views do not import each other or the training engine.

``.ci/run`` runs ``lint-imports`` itself; this test runs it too, and shows once that a
deliberately wrong import in a copy of the package breaks a contract (so the check can fail).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

needs_linter = pytest.mark.skipif(
    not LINT.exists(), reason="import-linter is not installed (pip install -e '.[test]' installs it)"
)


def lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )


@needs_linter
def test_the_contracts_hold():
    r = lint(ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "broken" not in r.stdout.lower().replace("0 broken", "")


@needs_linter
@pytest.mark.parametrize(
    "module, line, contract",
    [
        (
            "bpviz/core/numbers.py",
            "import bpviz.gui.theme  # wrong on purpose",
            "core is numpy and the standard library only",
        ),
        (
            "bpviz/core/iteration/chain.py",
            "import bpviz.core.teach.render  # wrong on purpose",
            "core layers",
        ),
    ],
)
def test_a_wrong_import_breaks_a_contract(tmp_path, module, line, contract):
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copytree(ROOT / "bpviz", copy / "bpviz", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    r = lint(copy)
    assert r.returncode != 0, r.stdout[-2000:]
    assert contract in r.stdout and "BROKEN" in r.stdout


def test_the_gui_model_layer_has_no_widgets():
    """import-linter cannot forbid one Qt module (QtWidgets) and allow another (QtCore): the
    model modules (session, its undo commands, the error history) are checked here."""
    import ast

    for name in ("session.py", "session_commands.py", "error_history.py"):
        tree = ast.parse((ROOT / "bpviz" / "gui" / name).read_text(encoding="utf-8"))
        mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in mods if m.startswith(("PySide6.QtWidgets", "pyqtgraph"))}, name
