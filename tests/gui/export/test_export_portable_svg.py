"""bpviz/gui/export/portable_svg.py: SVGs that other renderers (Qt's SVG Tiny, rsvg) draw as
the PNG shows — no black frames, the theme's background, sizes in pixels, clip paths in
<defs>, explicit paint, real font names, text runs joined."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from export_test_helpers import MEDIUM, image, ink_of, offscreen, pixels, svg_texts
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from bpviz.gui.export import export_widget
from bpviz.gui.theme import THEMES


def render_qt(path) -> np.ndarray:
    """Qt's own SVG renderer: SVG Tiny, no clipping, like the simplest importers."""
    r = QSvgRenderer(str(path))
    assert r.isValid()
    img = QImage(r.defaultSize(), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor(0, 0, 0, 0))
    p = QPainter(img)
    r.render(p)
    p.end()
    return pixels(img)


def render_rsvg(path) -> np.ndarray:
    png = Path(str(path) + ".rsvg.png")
    subprocess.run(["rsvg-convert", str(path), "-o", str(png)], check=True, timeout=120)
    return pixels(image(png))


RENDERERS = [pytest.param(render_qt, id="qt")]
RENDERERS.append(
    pytest.param(
        render_rsvg,
        id="rsvg",
        marks=pytest.mark.skipif(
            shutil.which("rsvg-convert") is None, reason="rsvg-convert is not installed"
        ),
    )
)


def assert_no_black_frame(a: np.ndarray) -> None:
    black = (a[..., :3].max(-1) <= 10) & (a[..., 3] > 200)
    # text is dark grey, not black; a frame is a black line across the picture
    assert black.mean() < 0.005, black.mean()
    assert black.mean(1).max() < 0.25 and black.mean(0).max() < 0.25, (
        black.mean(1).max(),
        black.mean(0).max(),
    )


@pytest.mark.parametrize("render", RENDERERS)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_canvas_svg_renders_without_black_frames_on_the_theme_background(tmp_path, render, theme):
    out = tmp_path / "c.svg"
    offscreen("mazur", out, size=MEDIUM, phase="grad_out:h", theme=theme, legend=True)
    a = render(out)
    assert a.shape[:2] == (540, 960)
    assert_no_black_frame(a)
    bg = QColor(THEMES[theme].background).getRgb()
    for y, x in ((1, 1), (1, -2), (-2, 1), (-2, -2), (270, 2), (2, 480)):
        assert tuple(int(c) for c in a[y, x]) == bg, (y, x, a[y, x], bg)
    # and something is drawn: the network, not an empty page
    assert ink_of(a, theme).mean() > 0.01


@pytest.mark.parametrize("render", RENDERERS)
def test_plot_svg_renders_without_black_frames(tmp_path, render):
    out = tmp_path / "p.svg"
    offscreen("xor", out, what="plot", steps=40)
    a = render(out)
    assert a.shape[:2] == (400, 900)
    assert_no_black_frame(a)
    assert tuple(int(c) for c in a[-2, -2]) == QColor(THEMES["light"].background).getRgb()


@pytest.mark.parametrize("render", RENDERERS)
def test_window_svg_draws_what_the_png_shows(tmp_path, render):
    offscreen("mazur", tmp_path / "w.svg", what="window")
    offscreen("mazur", tmp_path / "w.png", what="window")
    a, png = render(tmp_path / "w.svg"), pixels(image(tmp_path / "w.png"))
    assert a.shape == png.shape  # its size in pixels, not millimetres
    assert_no_black_frame(a)
    # the canvas and the plot are in it (a nested <svg> would be skipped by Tiny renderers)
    diff = np.abs(a[..., :3].astype(int) - png[..., :3].astype(int)).mean()
    assert diff < 8, diff


def test_svg_text_is_portable(tmp_path):
    out = tmp_path / "c.svg"
    offscreen("mazur", out, size=MEDIUM, phase="grad_out:h")
    text = out.read_text(encoding="utf-8")
    root = ET.parse(out).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("version") == "1.1" and root.get("baseProfile") is None
    assert (root.get("width"), root.get("height")) == ("960", "540")
    assert "%" not in "".join(e.get("width", "") + e.get("height", "") for e in root.iter())
    parent = {c: p for p in root.iter() for c in p}
    clips = list(root.iter(f"{ns}clipPath"))
    assert clips and all(parent[c].tag == f"{ns}defs" for c in clips)
    assert not [e for e in root.iter(f"{ns}svg") if e is not root]  # no nested <svg>
    shapes = [
        e
        for e in root.iter()
        if e.tag.removeprefix(ns)
        in ("rect", "path", "polygon", "polyline", "line", "circle", "ellipse", "text")
        and not any(p.tag == f"{ns}clipPath" for p in _ancestors(e, parent))
    ]
    assert shapes
    for e in shapes:  # paint never left to inheritance (a black default brush)
        assert e.get("fill") is not None and e.get("stroke") is not None, e.attrib
        assert e.get("fill") != "none" or e.get("stroke") != "none", e.attrib  # drawn at all
    assert "Sans Serif" not in text  # Qt's alias, unknown to other programs
    assert 'fill-opacity="0"' not in text
    # one line of the banner is one text (Qt split it into font runs at Greek letters)
    # (the title's formula keeps together with no-break spaces)
    texts = [t.replace("\xa0", " ") for t in svg_texts(out)]
    assert "(∂E/∂out = Wᵀ·δ)" in texts[-3] or any(t.endswith("(∂E/∂out = Wᵀ·δ)") for t in texts)


def _ancestors(e, parent):
    while e in parent:
        e = parent[e]
        yield e


def test_transparent_svg_has_no_background(tmp_path, view):
    export_widget(view, tmp_path / "t.svg", transparent=True)
    a = render_qt(tmp_path / "t.svg")
    assert a[1, 1, 3] == 0 and a[-2, -2, 3] == 0
    root = ET.parse(tmp_path / "t.svg").getroot()
    assert not [e for e in root if e.tag.endswith("rect")]
