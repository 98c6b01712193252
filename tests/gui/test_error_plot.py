"""The error plot on a bounded history (issue 13, item 9): a run longer than the exact record
is drawn whole, old steps as their buckets' envelope (a spike long ago stays visible), with a
bounded number of points; hovering an old step says its E is a bucket's mean and gives the
bucket's steps and range, a recent one reads exactly."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from bpviz.core.presets import load_preset
from bpviz.gui.error_history import EXACT_STEPS
from bpviz.gui.error_plot import ErrorPlot, readout_text
from bpviz.gui.session import Session

N = 4 * EXACT_STEPS


@pytest.fixture
def plot(qtbot):
    s = Session(load_preset("swap"), "swap")
    e = 1.0 / np.sqrt(np.arange(1, N + 1))
    e[1000] = 100.0  # step 1001, long folded into a bucket
    s.history.extend(1, e)
    p = ErrorPlot(s)
    qtbot.addWidget(p)
    p.resize(900, 300)
    p.show()
    qtbot.waitExposed(p)
    s.historyChanged.emit()
    return s, p, e


def test_a_long_run_is_drawn_whole_with_its_old_envelope(plot):
    s, p, e = plot
    assert s.history.bounded and s.history.value_at(1001).hi == 100.0
    xs, ys = p.curve.getData()
    assert xs[0] <= 1 and xs[-1] == N
    assert ys.max() == pytest.approx(2.0)  # log10(100): the old spike's bucket max
    assert ys.min() == pytest.approx(np.log10(e[-1]))
    assert len(xs) < 4 * max(200, p.plotItem.vb.width()) + 10


def _hover(p, step: int) -> str:
    vb = p.plotItem.vb
    (_x0, _x1), (y0, y1) = vb.viewRange()
    p._hover(vb.mapViewToScene(QPointF(step, (y0 + y1) / 2)))
    return p.readout.textItem.toPlainText()


def test_hovering_an_old_step_says_it_is_a_bucket_mean(plot):
    s, p, e = plot
    r = s.history.value_at(5000)
    text = _hover(p, 5000)
    assert "mean of steps" in text and f"{r.first:,}–{r.last:,}" in text and "range" in text
    recent = _hover(p, N - 10)
    assert recent.startswith(f"step {N - 10:,}: E = ") and "mean" not in recent


def test_the_readout_words():
    from bpviz.gui.error_history import Reading

    assert readout_text(7, Reading(7, 7, 1, 0.5, 0.5, 0.5), 4) == "step 7: E = 0.5"
    text = readout_text(1500, Reading(1025, 2048, 1024, 0.25, 0.75, 0.5), 4)
    assert text == "step 1,500: E ≈ 0.5, mean of steps 1,025–2,048 (range 0.25 to 0.75)"


def test_log_axis_labels_never_print_over_each_other_in_a_short_plot(qtbot):
    """A short dock at a large font zoom (a projector): the log axis labels every second,
    third, … decade, so neighbouring labels keep a line's height apart; tall again, every
    decade is labelled."""
    from PySide6.QtGui import QFontMetricsF

    from bpviz.core.presets import load_preset
    from bpviz.gui.error_plot import ErrorPlot
    from bpviz.gui.session import Session
    from bpviz.gui.theme import zoom_plot_fonts

    s = Session(load_preset("mazur"), "mazur")
    p = ErrorPlot(s)
    qtbot.addWidget(p)
    p.resize(330, 200)
    p.show()
    qtbot.waitExposed(p)
    zoom_plot_fonts(p, 2.0)
    ax, vb = p.plotItem.getAxis("left"), p.plotItem.vb

    def labels() -> tuple[float, float]:
        """(decades between neighbouring labels, their distance in pixels)"""
        qtbot.wait(20)
        _, (y0, y1) = vb.viewRange()
        major = ax.tickValues(y0, y1, vb.height())[0][1]
        assert len(major) >= 2
        return major[1] - major[0], (major[1] - major[0]) * vb.height() / (y1 - y0)

    line = QFontMetricsF(ax.style.get("tickFont") or ax.font()).height()
    decades, gap = labels()
    assert decades > 1 and gap >= line
    p.resize(330, 900)
    qtbot.waitUntil(lambda: vb.height() > 600)
    assert labels()[0] == 1  # every decade again (they have room)
