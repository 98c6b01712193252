import pytest
from PySide6.QtCore import QThread

from bpviz.gui.training.worker import running_threads


@pytest.fixture(autouse=True)
def no_thread_left_behind(qapp):
    """Fail any test that leaves a QThread running (napari's habit)."""
    yield
    qapp.processEvents()
    running = [t for t in qapp.findChildren(QThread) if t.isRunning()] + running_threads()
    assert not running, f"{len(running)} QThread(s) left running"


@pytest.fixture(autouse=True)
def no_modal_questions(monkeypatch):
    """A window closed at a test's end must not wait for a click on "Save changes?"."""
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture
def make_controller(qtbot):
    """A session on a preset (or a document) with a training controller; every controller
    made is shut down at the end, so no thread is left behind."""
    from bpviz.core.presets import load_preset
    from bpviz.gui.session import Session
    from bpviz.gui.training import TrainingController

    made = []

    def make(name="mazur", backend="process", doc=None):
        s = Session(doc or load_preset(name), name)
        c = TrainingController(s, backend)
        made.append(c)
        return s, c

    yield make
    for c in made:
        assert c.shutdown()


@pytest.fixture
def wait_state(qtbot):
    """wait_state(controller, *states): wait (on the event loop) until the run is in one."""

    def wait(c, *states, timeout=20_000):
        qtbot.waitUntil(lambda: c.state in states, timeout=timeout)

    return wait


@pytest.fixture
def settings(tmp_path):
    """The window's settings in a file of the test's own (never the user's)."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "bpviz.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def win(qtbot, settings):
    """The main window on mazur, 1200×800, shown and active."""
    from bpviz.core.presets import load_preset
    from bpviz.gui.main_window import MainWindow

    w = MainWindow(load_preset("mazur"), "mazur", settings=settings)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w
