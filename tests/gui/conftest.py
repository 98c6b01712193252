import pytest
from PySide6.QtCore import QThread

from bpviz.gui.worker import running_threads


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

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
