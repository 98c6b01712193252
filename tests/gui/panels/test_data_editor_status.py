"""The data editor's status line in a short dock (2× font zoom in a 1024×768 window): it takes
the lines the dock gives it, never the table's room, ends a cut text with "…" and gives the
whole text in its tooltip; in a roomy dock it wraps the whole text."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from bpviz.core.presets import load_preset
from bpviz.gui.panels.data_editor import DataEditor
from bpviz.gui.panels.data_editor.status_label import wrap
from bpviz.gui.session import Session


@pytest.fixture
def editor(qtbot):
    sessions = []

    def build(size, zoom=2.0):
        s = Session(load_preset("circle"), "circle")
        sessions.append(s)
        ed = DataEditor(s)
        f = ed.font()
        f.setPointSizeF(f.pointSizeF() * zoom)
        ed.setFont(f)
        qtbot.addWidget(ed)
        ed.resize(*size)
        ed.show()
        qtbot.waitExposed(ed)
        # a cell that is not a number: the longest status the editor writes
        ed.model.setData(ed.model.index(0, 0), "abc", Qt.ItemDataRole.EditRole)
        qtbot.wait(20)
        return ed

    yield build
    for s in sessions:
        s.undo_stack.clear()


def ink_rows(widget) -> np.ndarray:
    """The rows of the widget's picture that hold text (pixels much darker or redder than
    the background)."""
    img = widget.grab().toImage()
    h, w = img.height(), img.width()
    rows = []
    for y in range(h):
        bg = img.pixelColor(1, y)
        hit = False
        for x in range(0, w, 2):
            c = img.pixelColor(x, y)
            if abs(c.lightness() - bg.lightness()) > 80 or abs(c.red() - c.green()) > 80:
                hit = True
                break
        rows.append(hit)
    return np.array(rows)


def bands(rows: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for y, v in enumerate(rows):
        if v and start is None:
            start = y
        if not v and start is not None:
            out.append((start, y))
            start = None
    if start is not None:
        out.append((start, len(rows)))
    return out


def test_a_short_dock_keeps_the_table_and_cuts_the_status_with_an_ellipsis(editor):
    ed = editor((328, 215))  # the Data dock at 2× in a 1024×768 window
    st, tab = ed.status, ed.table
    assert not st.geometry().intersects(tab.geometry())
    assert tab.viewport().height() >= tab.verticalHeader().defaultSectionSize()  # a row shows
    shown = st.visible_lines()
    assert shown[-1].endswith("…") and len(shown) < len(wrap(st.fontMetrics(), st.text(), st.width()))
    assert st.tooltip_text().startswith(st.text())  # the whole text, then what it is for
    # the picture: one band of text per line shown, none cut by the label's edge
    b = bands(ink_rows(st))
    assert len(b) == len(shown)
    assert b[-1][1] < st.height() - 1


def test_a_roomy_dock_shows_the_whole_status(editor):
    ed = editor((460, 420), zoom=1.0)
    st = ed.status
    lines = wrap(st.fontMetrics(), st.text(), st.contentsRect().width())
    assert st.visible_lines() == lines and 2 <= len(lines) <= 4
    assert not st.tooltip_text().startswith(st.text())
    assert len(bands(ink_rows(st))) == len(lines)
