"""bpviz/gui/export/headless.py and centring.py: the offscreen renderer given plain values —
SVG text stays text, the plot after training, themes, the whole window, the network centred
on the slide; what cannot be drawn is an ExportError, never a command-line error."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from export_test_helpers import (
    MEDIUM,
    SMALL,
    files,
    image,
    ink_of,
    offscreen,
    pixels,
    svg_texts,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from bpviz.core.presets import load_preset
from bpviz.gui import export
from bpviz.gui.canvas import NetworkView
from bpviz.gui.export.headless import ExportError, OffscreenExport, TooSmall, export_offscreen
from bpviz.gui.session import Session


def test_svg_parses_and_keeps_labels_as_text(tmp_path):
    out = tmp_path / "c.svg"
    assert offscreen("mazur", out, size=MEDIUM) == [out]  # room for every label
    texts = svg_texts(out)
    for label in ("i1", "h1", "h2", "o1", "o2"):
        assert label in texts
    assert any(t.startswith("w5") for t in texts)  # the weight labels too
    assert not any(e.tag.endswith("image") for e in ET.parse(out).getroot().iter())


def test_svg_of_the_plot(tmp_path):
    out = tmp_path / "p.svg"
    offscreen("xor", out, what="plot", steps=30, size=(400, 200))
    assert "step" in svg_texts(out)


def test_dark_theme_has_a_dark_background(tmp_path):
    offscreen("mazur", tmp_path / "l.png", size=SMALL)
    offscreen("mazur", tmp_path / "d.png", size=SMALL, theme="dark")
    for name, dark in (("l.png", False), ("d.png", True)):
        img = image(tmp_path / name)
        c = QColor(img.pixel(img.width() - 3, img.height() - 3))
        assert (c.lightness() < 60) == dark, (name, c.name())


def test_window_png_and_svg(tmp_path):
    offscreen("mazur", tmp_path / "w.png", what="window", phase="grad_out:h")
    img = image(tmp_path / "w.png")
    assert (img.width(), img.height()) == export.DEFAULT_SIZES["window"]
    offscreen("mazur", tmp_path / "w.svg", what="window")
    texts = svg_texts(tmp_path / "w.svg")
    assert "h1" in texts and "Inspector" in texts


def _ink(path, theme: str = "light") -> np.ndarray:
    """Where the picture differs from the theme's background."""
    return ink_of(pixels(image(path)), theme)


@pytest.mark.parametrize("net", ["mazur", "swap", "xor-deep"])
def test_the_network_is_centred_on_the_slide(tmp_path, net):
    out = tmp_path / f"{net}.png"
    offscreen(net, out, phase=0, size=(1920, 1080))
    ink = _ink(out)
    w = ink.shape[1]
    cols = np.flatnonzero(ink[150:].any(0))  # below the banner
    left, right = cols[0], w - 1 - cols[-1]
    assert abs(left - right) <= 0.02 * w, (left, right)  # before: 71 to 89 px apart


def test_centre_canvas_puts_the_drawing_in_the_middle(qapp):
    v = NetworkView(Session(load_preset("swap"), "swap"))
    v.setMinimumSize(100, 100)
    v.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    v.resize(1600, 900)
    v.show()
    try:
        for _ in range(3):
            qapp.processEvents()
        v.vb.translateBy(x=1.0, y=0.3)  # off centre, as a pan would leave it
        qapp.processEvents()
        assert export.centre_canvas(v, qapp, rounds=1) != (0.0, 0.0)  # it had to move
        dx, dy = export.centre_canvas(v, qapp, rounds=8)
        assert abs(dx) < 2 and abs(dy) < 2  # and now sits in the middle, every phase counted
    finally:
        v.hide()
        v.deleteLater()
        qapp.processEvents()


# ------------------------------------------------------------------ plain values in, ExportError out
def test_all_phases_creates_the_folder_and_returns_the_files(tmp_path):
    out = tmp_path / "new" / "frames"
    written = offscreen("linear", out, size=SMALL, all_phases=True)
    assert [p.name for p in written] == files(out)
    assert written[0].name == "01-input.png" and len(written) == 5 * 2 + 3


def test_a_window_too_small_is_an_export_error_and_writes_nothing(tmp_path):
    with pytest.raises(TooSmall) as e:
        offscreen("mazur", tmp_path / "w.png", what="window", size=(100, 100))
    assert isinstance(e.value, ExportError) and isinstance(e.value, ValueError)
    assert e.value.size == (100, 100) and min(e.value.needed) > 100
    assert str(e.value).startswith("100x100: the window needs at least ")
    assert files(tmp_path) == []


@pytest.mark.parametrize(
    "change", [{"what": "table"}, {"fmt": "gif"}, {"size": (50, 400)}, {"size": (9000, 9000), "scale": 2.0}]
)
def test_what_cannot_be_drawn_is_an_export_error(tmp_path, change):
    job = OffscreenExport(doc=load_preset("mazur"), source="mazur", out=tmp_path / "x.png", **change)
    with pytest.raises(ExportError):
        export_offscreen(job)
    assert files(tmp_path) == []


def test_the_renderer_knows_nothing_of_the_command_line():
    import inspect

    from bpviz.gui.export import headless

    source = inspect.getsource(headless)
    assert "bpviz.cli" not in source and "UsageError" not in source and "--size" not in source
