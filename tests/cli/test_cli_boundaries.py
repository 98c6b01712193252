"""The command line is a leaf: no module of bpviz outside bpviz/cli imports it (not even lazily
inside a function), and its numpy-only commands never load Qt, even indirectly."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import bpviz

PACKAGE = Path(bpviz.__file__).parent


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path) -> set[str]:
    """Every module ``path`` imports anywhere in its body, relative imports resolved; for
    ``from a import b`` both ``a`` and ``a.b``."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, *([node.module] if node.module else [])])
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return out


def cli_importers(root: Path) -> dict[str, list[str]]:
    """{module outside root/cli: the bpviz.cli modules it imports}. ``__main__.py`` (``python
    -m bpviz``) is the command line's own front door, as the ``bpviz`` script is."""
    cli = f"{root.name}.cli"
    bad = {}
    for path in sorted(root.rglob("*.py")):
        if (root / "cli") in path.parents or path == root / "__main__.py":
            continue
        hits = sorted(m for m in imported_modules(path, root) if m == cli or m.startswith(cli + "."))
        if hits:
            bad[module_name(path, root)] = hits
    return bad


def test_nothing_outside_the_cli_imports_it():
    assert len(list(PACKAGE.rglob("*.py"))) > 30
    assert cli_importers(PACKAGE) == {}


@pytest.mark.parametrize(
    "line",
    [
        "from bpviz.cli import UsageError",
        "import bpviz.cli.args",
        "from bpviz import cli",
        "from .. import cli",
        "from ..cli.args import first_rows",
        "def f():\n    from bpviz.cli import main\n",
    ],
)
def test_the_import_check_finds_each_kind_of_import(tmp_path, line):
    root = tmp_path / "bpviz"
    (root / "cli").mkdir(parents=True)
    (root / "gui" / "export").mkdir(parents=True)
    for p in ("__init__.py", "cli/__init__.py", "cli/args.py", "gui/__init__.py", "gui/export/__init__.py"):
        (root / p).write_text("", encoding="utf-8")
    (root / "cli" / "args.py").write_text("from bpviz.cli import main\n", encoding="utf-8")
    (root / "gui" / "ok.py").write_text("import bpviz.core\n", encoding="utf-8")
    (root / "__main__.py").write_text("from bpviz.cli import main\n", encoding="utf-8")
    assert cli_importers(root) == {}  # the CLI may import itself
    (root / "gui" / "bad.py").write_text(line + "\n", encoding="utf-8")
    assert list(cli_importers(root)) == ["bpviz.gui.bad"]


QT = ("PySide6", "pyqtgraph", "shiboken6")


@pytest.mark.parametrize(
    "module, argv",
    [
        ("bpviz.cli.core_commands", ["trace", "mazur"]),
        ("bpviz.cli.core_commands", ["gradcheck", "mazur", "--json"]),
        ("bpviz.cli.explain", ["explain", "mazur"]),
    ],
)
def test_numpy_only_commands_load_no_qt_even_indirectly(module, argv, tmp_path):
    code = (
        f"import sys; import {module}; from bpviz.cli import main\n"
        f"rc = main({argv!r})\n"
        f"qt = sorted(m for m in sys.modules if m.startswith({QT!r}))\n"
        "assert rc == 0 and not qt, (rc, qt)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr


def test_the_cli_package_loads_no_qt_until_export_runs(tmp_path):
    code = (
        f"import sys, bpviz.cli, bpviz.cli.export\n"
        f"assert not [m for m in sys.modules if m.startswith({QT!r})]\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
