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
