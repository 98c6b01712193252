"""A widget as an image: PNG or SVG of the canvas, the error plot or the whole window.

* :func:`export_widget` — any widget to a file; a pyqtgraph view goes through
  :func:`export_scene`, any other widget (the whole window) is rendered with
  ``QWidget.render`` (PNG: into a QImage at device pixel ratio = scale; SVG: into a
  ``QSvgGenerator``, with pyqtgraph's own SVG of each view in it placed on top, so the canvas
  and the plot are the same clean vectors as alone).
* :func:`export_scene` — a pyqtgraph ``GraphicsView`` (the canvas, the error plot) through
  pyqtgraph's own exporters: ``ImageExporter`` (PNG, width × scale) and ``SVGExporter`` (SVG,
  text stays text).
* :func:`render_image` — the same pixels as a ``QImage`` (the clipboard, tests).

An image of the error plot alone lists its earlier runs (the faint curves) in its legend;
in the window, and in an image of the whole window, the run list under the plot says them.

Every SVG is rewritten by :func:`~bpviz.gui.export.portable_svg.portable_svg` so that slide
programs draw it as browsers do. Files are written with :func:`bpviz.core.atomic.write_atomic`:
never half-written.
"""

from __future__ import annotations

import importlib
import math
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter, SVGExporter
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QRegion
from PySide6.QtWidgets import QApplication, QGraphicsItem, QMenuBar, QWidget

from bpviz.core.atomic import write_atomic
from bpviz.gui.export.portable_svg import portable_svg

__all__ = [
    "FORMATS",
    "MIN_SCALE",
    "MAX_SCALE",
    "MAX_PIXELS",
    "format_of",
    "check_scale",
    "render_image",
    "export_scene",
    "export_widget",
]

FORMATS = ("png", "svg")
MIN_SCALE, MAX_SCALE = 1.0, 4.0
MAX_PIXELS = 16_384  # per side of a PNG, after scaling


def format_of(path: str | os.PathLike, fmt: str | None = None) -> str:
    """``fmt`` if given, else the suffix of ``path`` (``.png`` or ``.svg``)."""
    if fmt is None:
        fmt = Path(path).suffix.lower().lstrip(".")
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(
            f"{os.fspath(path)}: unknown image format "
            f"{('.' + fmt) if fmt else '(no suffix)'}; expected .png or .svg"
        )
    return fmt


def check_scale(scale: float) -> float:
    scale = float(scale)
    if not (math.isfinite(scale) and MIN_SCALE <= scale <= MAX_SCALE):
        raise ValueError(f"scale {scale:g}: expected a number from {MIN_SCALE:g} to {MAX_SCALE:g}")
    return scale


def _png_bytes(img: QImage, path: Path) -> bytes:
    """``img`` encoded as PNG; OSError when Qt cannot encode it."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = img.save(buf, "PNG")
    buf.close()
    if not ok or data.isEmpty():
        raise OSError(f"{path}: could not write the PNG")
    return bytes(data.data())


def _write(path: Path, data: str | bytes) -> None:
    """``data`` into ``path`` atomically; an empty image is an error, never an empty file."""
    if not data:
        raise OSError(f"{path}: nothing was written")
    write_atomic(path, data)


@contextmanager
def _uncached(scene) -> Iterator[None]:
    """Paint every item directly while exporting: the canvas caches some items as device
    pixmaps, which would be blurry when scaled and would turn text into bitmaps in SVG."""
    saved = []
    for it in scene.items():
        mode = it.cacheMode()
        if mode != QGraphicsItem.CacheMode.NoCache:
            saved.append((it, mode))
            it.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        yield
    finally:
        for it, mode in saved:
            it.setCacheMode(mode)


@contextmanager
def _view_extras(view: pg.GraphicsView) -> Iterator[None]:
    """What a view adds to an image of itself alone: the error plot lists its earlier runs in
    its legend (in the window the run list under it does; ``run_list.RunCurves``)."""
    runs = getattr(view, "run_curves", None)
    if runs is None:
        yield
        return
    with runs.for_export():
        yield


def _scenes_in(widget: QWidget) -> list:
    views = [widget] if isinstance(widget, pg.GraphicsView) else []
    views += widget.findChildren(pg.GraphicsView)
    return [v.scene() for v in views if v.scene() is not None]


@contextmanager
def _views_for_export(widget: QWidget, painter: QPainter) -> Iterator[None]:
    """While Qt renders a whole window: every pyqtgraph item in it paints directly (no cached
    pixmaps) and in pyqtgraph's export mode (scatter symbols as shapes, not pixmaps from the
    symbol atlas, so they stay sharp at any scale and are vectors in SVG)."""
    scenes = _scenes_in(widget)
    items = [it for sc in scenes for it in sc.items() if hasattr(it, "setExportMode")]
    opts = {"antialias": True, "painter": painter, "resolutionScale": 1.0}
    with ExitStack() as stack:
        for sc in scenes:
            stack.enter_context(_uncached(sc))
        try:
            for it in items:
                it.setExportMode(True, dict(opts))
            yield
        finally:
            for it in items:
                it.setExportMode(False)


def _close_paths(node) -> None:
    """Rewrite each 'Z' (close path) in the SVG paths of ``node`` as a line back to the start of
    its subpath, which looks the same."""
    for path in node.getElementsByTagName("path"):
        d = path.getAttribute("d")
        if "Z" not in d and "z" not in d:
            continue
        out, start = [], None
        for tok in d.split():
            if tok[0] in "Mm":
                start = tok[1:]
            if tok in ("Z", "z"):
                if start is not None:
                    out.append("L" + start)
                continue
            out.append(tok)
        path.setAttribute("d", " ".join(out))


@contextmanager
def _svg_closepath_fix() -> Iterator[None]:
    """pyqtgraph 0.14's SVGExporter cannot parse the 'Z' that recent Qt versions write at the
    end of closed paths (ValueError in correctCoordinates; pyqtgraph issue #3495). While we
    export, close such paths with an explicit line instead."""
    mod = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    orig = getattr(mod, "correctCoordinates", None)
    if orig is None:
        yield
        return

    def fixed(node, defs, item, options):
        _close_paths(node)
        return orig(node, defs, item, options)

    mod.correctCoordinates = fixed
    try:
        yield
    finally:
        mod.correctCoordinates = orig


def _image_exporter(view: pg.GraphicsView, scale: float, transparent: bool) -> ImageExporter:
    ex = ImageExporter(view.scene())
    w, h = view.width(), view.height()
    # exactly (w·scale) × (h·scale): the exporter derives the height from the width with
    # truncation, so set both and keep the second from recomputing the first
    ex.parameters()["width"] = max(1, round(w * scale))
    ex.parameters().param("height").setValue(max(1, round(h * scale)), blockSignal=ex.heightChanged)
    if transparent:
        ex.parameters()["background"] = QColor(0, 0, 0, 0)
    return ex


# ------------------------------------------------------------------------------ widgets to files
def render_image(widget: QWidget, scale: float = 1.0, transparent: bool = False) -> QImage:
    """The widget as an image of (its size × scale) pixels: pyqtgraph's ImageExporter for a
    pyqtgraph view, ``QWidget.render`` at device pixel ratio ``scale`` for anything else."""
    scale = check_scale(scale)
    if max(widget.width(), widget.height()) * scale > MAX_PIXELS:
        raise ValueError(
            f"{widget.width()}×{widget.height()} at scale {scale:g} is too large "
            f"(at most {MAX_PIXELS} pixels a side)"
        )
    if isinstance(widget, pg.GraphicsView):
        with _uncached(widget.scene()), _view_extras(widget):
            return _image_exporter(widget, scale, transparent).export(toBytes=True)
    size = widget.size()
    img = QImage(
        max(1, round(size.width() * scale)),
        max(1, round(size.height() * scale)),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    img.setDevicePixelRatio(scale)  # the painter scales by it: crisp text at any scale
    img.fill(QColor(0, 0, 0, 0) if transparent else widget.palette().window().color())
    flags = QWidget.RenderFlag.DrawChildren
    if not transparent:
        flags |= QWidget.RenderFlag.DrawWindowBackground
    painter = QPainter(img)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        with _views_for_export(widget, painter):
            widget.render(painter, QPoint(), QRegion(), flags)
    finally:
        painter.end()
    return img


def export_scene(
    graphics_view: pg.GraphicsView,
    path: str | os.PathLike,
    fmt: str | None = None,
    scale: float = 1.0,
    transparent: bool = False,
) -> Path:
    """Write a pyqtgraph view (the canvas, the error plot) with pyqtgraph's exporters: PNG at
    (view size × scale) pixels, or SVG (vector, text as text; its nominal size is view size ×
    scale)."""
    path = Path(path)
    fmt = format_of(path, fmt)
    scale = check_scale(scale)
    if fmt == "png":
        _write(path, _png_bytes(render_image(graphics_view, scale, transparent), path))
    else:
        with _view_extras(graphics_view):
            svg = _scene_svg(graphics_view, transparent)
        _write(path, portable_svg(svg, transparent, scale))
    return path


def _scene_svg(view: pg.GraphicsView, transparent: bool = False) -> str:
    """pyqtgraph's SVG of a view (vector, text as text), as it writes it."""
    ex = SVGExporter(view.scene())
    if transparent:
        ex.parameters()["background"] = QColor(0, 0, 0, 0)
    with _uncached(view.scene()), _svg_closepath_fix():
        return ex.export(toBytes=True).decode("utf-8")


def _nested_svg(svg: str, rect: QRect, prefix: str) -> str:
    """A standalone pyqtgraph SVG as a group placed at ``rect`` (not a nested <svg>, which
    SVG Tiny renderers and some slide programs skip), its ids prefixed so that several can
    live in one document, its 100 % background sized to ``rect``."""
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg, count=1)
    svg = re.sub(r"<title>.*?</title>\s*|<desc>.*?</desc>\s*", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', svg)
    svg = svg.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    svg = re.sub(
        r'<rect width="100%" height="100%"',
        f'<rect x="0" y="0" width="{rect.width()}" height="{rect.height()}"',
        svg,
        count=1,
    )
    svg = re.sub(r"^\s*<svg\b[^>]*>", f'<g transform="translate({rect.x()},{rect.y()})">', svg, count=1)
    cut = svg.rindex("</svg>")
    return svg[:cut] + "</g>" + svg[cut + len("</svg>") :]


def _window_svg(widget: QWidget, transparent: bool, scale: float = 1.0) -> str:
    """The whole window as SVG: Qt draws the widgets with QSvgGenerator, and every pyqtgraph
    view in it (the canvas, the plot) is pyqtgraph's own SVG placed on top. Qt's generator alone
    draws those views with strokes that only some renderers scale right, and the SVG 1.1 mode it
    has for clipping puts the clip paths in the wrong place, so it writes SVG Tiny 1.2."""
    from PySide6.QtSvg import QSvgGenerator

    size = widget.size()
    views = []
    for v in widget.findChildren(pg.GraphicsView):
        if v.isVisibleTo(widget) and v.scene() is not None:
            r = QRect(v.mapTo(widget, QPoint(0, 0)), v.size()).intersected(widget.rect())
            if not r.isEmpty():
                views.append((v, r))
    # Tiny 1.2 has no clipping, and a menu bar paints its background over its titles without
    # it: menu bars go in as (sharp, 2×) images instead
    bars = []
    for mb in widget.findChildren(QMenuBar):
        if mb.isVisibleTo(widget):
            r = QRect(mb.mapTo(widget, QPoint(0, 0)), mb.size()).intersected(widget.rect())
            if not r.isEmpty():
                bars.append((mb, r))
    region = QRegion(widget.rect())
    for _, r in views + bars:
        region -= QRegion(r)
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setSize(size)
    gen.setViewBox(QRect(QPoint(0, 0), size))
    gen.setTitle(widget.windowTitle() or "bpviz")
    gen.setDescription("exported by bpviz")
    screen = QApplication.primaryScreen()
    if screen is not None:
        gen.setResolution(round(screen.logicalDotsPerInchX()))
    flags = QWidget.RenderFlag.DrawChildren
    if not transparent:
        flags |= QWidget.RenderFlag.DrawWindowBackground
    painter = QPainter()
    if not painter.begin(gen):
        raise OSError("could not start the SVG")
    try:
        with _views_for_export(widget, painter):
            # render() puts the top left of the region's bounding box at the offset
            widget.render(painter, region.boundingRect().topLeft(), region, flags)
        for mb, r in bars:
            painter.drawImage(QRectF(r), render_image(mb, 2.0))
    finally:
        painter.end()
        buf.close()
    text = bytes(data.data()).decode("utf-8")
    nested = "".join(_nested_svg(_scene_svg(v, transparent), r, f"v{i}-") for i, (v, r) in enumerate(views))
    cut = text.rindex("</svg>")
    return portable_svg(text[:cut] + nested + text[cut:], transparent, scale)


def export_widget(
    widget: QWidget,
    path: str | os.PathLike,
    fmt: str | None = None,
    scale: float = 1.0,
    transparent: bool = False,
) -> Path:
    """Write ``widget`` to ``path`` as PNG or SVG (``fmt``, or the suffix of ``path``).

    A pyqtgraph view (the canvas, the error plot) goes through :func:`export_scene`; any other
    widget, such as the main window, is rendered by Qt (PNG at device pixel ratio ``scale``;
    SVG through ``QSvgGenerator``). Raises ValueError for a bad format or scale, OSError when
    the file cannot be written (then nothing is left behind)."""
    path = Path(path)
    fmt = format_of(path, fmt)
    scale = check_scale(scale)
    if isinstance(widget, pg.GraphicsView):
        return export_scene(widget, path, fmt, scale, transparent)
    if fmt == "png":
        _write(path, _png_bytes(render_image(widget, scale, transparent), path))
    else:
        _write(path, _window_svg(widget, transparent, scale))
    return path
