"""Start-up: the window's first paint does not wait for what only a later command needs (the
image and document writers), those commands still work at their first use, and the hook
benchmarks/bench_startup.py times the first paint with. Each check runs in a fresh
interpreter, since this test process has imported everything long ago."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# imported by File → Export…, quick export, the worked example and the CSV export, and by the
# inspector's Matrix and Gradient check tabs when first shown; not before
DEFERRED = [
    "bpviz.gui.matrix_tab",
    "bpviz.gui.gradcheck_tab",
    "bpviz.gui.export",
    "bpviz.gui.export_dialog",
    "bpviz.core.teach.worked_example",
    "bpviz.core.teach.phase_figures",
    "bpviz.core.history_csv",
]

WINDOW = """
import sys
from PySide6.QtCore import QSettings
from bpviz.gui.app import make_app
from bpviz.core.presets import load_preset
from bpviz.gui.main_window import MainWindow

app = make_app()
w = MainWindow(load_preset("mazur"), "mazur", settings=QSettings(sys.argv[1], QSettings.Format.IniFormat))
w.show()
app.processEvents()
print("loaded:", ",".join(m for m in {deferred!r} if m in sys.modules))
w.settings.setValue("export/quick_dir", sys.argv[2])
print("exported:", w.quick_export())
"""


def _env(tmp_path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    return env


def test_the_first_paint_does_not_import_the_writers_and_an_export_still_works(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", WINDOW.format(deferred=DEFERRED), str(tmp_path / "s.ini"), str(tmp_path)],
        env=_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    assert lines["loaded"] == ""
    png = Path(lines["exported"])
    assert png.parent == tmp_path and png.suffix == ".png" and png.stat().st_size > 0


def test_exit_after_first_paint_prints_the_clock_and_quits(tmp_path):
    env = _env(tmp_path)
    env["BPVIZ_EXIT_AFTER_FIRST_PAINT"] = "1"
    out = subprocess.run(
        [sys.executable, "-m", "bpviz", "xor"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    [line] = [x for x in out.stdout.splitlines() if x.startswith("first-paint ")]
    _, clock, cpu = line.split()
    assert float(clock) > 0 and 0 < float(cpu) < 60  # time.monotonic(), time.process_time()


def test_the_inspectors_tabs_are_made_when_first_shown(win, qtbot):
    ins = win.inspector
    assert ins._matrix is None and ins._check is None  # not made with the window
    ins.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: ins._matrix is not None and ins._matrix.isVisible())
    assert ins.matrix_note.text() and ins._check is None
    assert ins.matrix.objectName() == "page" and "QWidget#page" in ins.matrix.styleSheet()
    ins.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: ins._check is not None and ins._check.isVisible())
    from bpviz.gui.inspector import CAP, MAX_CHECK  # the old names still import

    assert CAP > 0 and MAX_CHECK > 0
