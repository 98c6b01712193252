"""PNG and SVG of the canvas, the error plot or the whole window; the headless ``bpviz export``.

Library functions (File → Export… and the CLI use the same ones):

* :func:`export_widget` — any widget; a pyqtgraph view goes through :func:`export_scene`, any
  other widget (the whole window) is rendered with ``QWidget.render`` (PNG: into a QImage at
  device pixel ratio = scale; SVG: into a ``QSvgGenerator``, with pyqtgraph's own SVG of each
  view in it placed on top, so the canvas and the plot are the same clean vectors as alone).
* :func:`export_scene` — a pyqtgraph ``GraphicsView`` (the canvas, the error plot) through
  pyqtgraph's own exporters: ``ImageExporter`` (PNG, width × scale) and ``SVGExporter`` (SVG,
  text stays text).
* :func:`render_image` — the same pixels as a ``QImage`` (the clipboard, tests).
* :func:`copy_to_clipboard`, :class:`QuickExporter` (numbered files ``bpviz-0001.png``, …).

Nothing is left half-written: every file is written to a temporary file in the target folder
and moved into place with ``os.replace``.
"""

from __future__ import annotations

import importlib
import math
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from pyqtgraph.exporters import ImageExporter, SVGExporter  # noqa: E402
from PySide6.QtCore import (  # noqa: E402
    QPoint,
    QRect,
    QRectF,
    QSettings,
    QSize,
    Qt,
    qInstallMessageHandler,
)
from PySide6.QtGui import QColor, QImage, QPainter, QRegion  # noqa: E402
from PySide6.QtWidgets import QApplication, QGraphicsItem, QMenuBar, QWidget  # noqa: E402

from bpviz.gui.theme import apply_palette  # noqa: E402

__all__ = [
    "FORMATS", "DEFAULT_SIZES", "export_widget", "export_scene", "render_image",
    "copy_to_clipboard", "QuickExporter", "export_command", "phase_file_name", "phase_tag",
    "export_file_name", "export_stem", "centre_canvas",
]

FORMATS = ("png", "svg")
MIN_SCALE, MAX_SCALE = 1.0, 4.0
MAX_PIXELS = 16_384  # per side of a PNG, after scaling
MIN_SIZE = 100  # per side of --size
# the canvas is slide-shaped (16:9, network centred); the plot and the window keep theirs
DEFAULT_SIZES = {"window": (1400, 860), "canvas": (1920, 1080), "plot": (900, 400)}


# ------------------------------------------------------------------------------ helpers
def format_of(path: str | os.PathLike, fmt: str | None = None) -> str:
    """``fmt`` if given, else the suffix of ``path`` (``.png`` or ``.svg``)."""
    if fmt is None:
        fmt = Path(path).suffix.lower().lstrip(".")
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"{os.fspath(path)}: unknown image format "
                         f"{('.' + fmt) if fmt else '(no suffix)'}; expected .png or .svg")
    return fmt


def _check_scale(scale: float) -> float:
    scale = float(scale)
    if not (math.isfinite(scale) and MIN_SCALE <= scale <= MAX_SCALE):
        raise ValueError(f"scale {scale:g}: expected a number from {MIN_SCALE:g} to "
                         f"{MAX_SCALE:g}")
    return scale


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def _atomic(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary file name next to ``path``; on success move it to ``path``, on any
    failure remove it (the target is never half-written)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        if os.path.getsize(tmp) == 0:
            raise OSError(f"{path}: nothing was written")
        with suppress(OSError):  # mkstemp makes 0600 files; give the usual permissions
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


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
    ex.parameters().param("height").setValue(max(1, round(h * scale)),
                                             blockSignal=ex.heightChanged)
    if transparent:
        ex.parameters()["background"] = QColor(0, 0, 0, 0)
    return ex


# ------------------------------------------------------------------------------ library API
def render_image(widget: QWidget, scale: float = 1.0, transparent: bool = False) -> QImage:
    """The widget as an image of (its size × scale) pixels: pyqtgraph's ImageExporter for a
    pyqtgraph view, ``QWidget.render`` at device pixel ratio ``scale`` for anything else."""
    scale = _check_scale(scale)
    if max(widget.width(), widget.height()) * scale > MAX_PIXELS:
        raise ValueError(f"{widget.width()}×{widget.height()} at scale {scale:g} is too large "
                         f"(at most {MAX_PIXELS} pixels a side)")
    if isinstance(widget, pg.GraphicsView):
        with _uncached(widget.scene()):
            return _image_exporter(widget, scale, transparent).export(toBytes=True)
    size = widget.size()
    img = QImage(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)),
                 QImage.Format.Format_ARGB32_Premultiplied)
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


def export_scene(graphics_view: pg.GraphicsView, path: str | os.PathLike,
                 fmt: str | None = None, scale: float = 1.0,
                 transparent: bool = False) -> Path:
    """Write a pyqtgraph view (the canvas, the error plot) with pyqtgraph's exporters: PNG at
    (view size × scale) pixels, or SVG (vector, text as text; its nominal size is view size ×
    scale)."""
    path = Path(path)
    fmt = format_of(path, fmt)
    scale = _check_scale(scale)
    if fmt == "png":
        img = render_image(graphics_view, scale, transparent)
        with _atomic(path) as tmp:
            if not img.save(tmp, "PNG"):
                raise OSError(f"{path}: could not write the PNG")
        return path
    data = _portable_svg(_scene_svg(graphics_view, transparent), transparent, scale)
    with _atomic(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(data)
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
    svg = re.sub(r'<rect width="100%" height="100%"',
                 f'<rect x="0" y="0" width="{rect.width()}" height="{rect.height()}"', svg,
                 count=1)
    svg = re.sub(r"^\s*<svg\b[^>]*>", f'<g transform="translate({rect.x()},{rect.y()})">',
                 svg, count=1)
    cut = svg.rindex("</svg>")
    return svg[:cut] + "</g>" + svg[cut + len("</svg>"):]


# ------------------------------------------------------------------------------ portable SVG
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_SHAPES = {"rect", "path", "polygon", "polyline", "line", "circle", "ellipse", "text"}
_NOT_DRAWN = {"defs", "clipPath", "mask", "linearGradient", "radialGradient", "pattern",
              "symbol", "marker", "title", "desc", "style", "metadata"}
_QT_FAMILY_ALIASES = {"sans serif", "sans", "sans-serif", "helvetica", "serif", "monospace",
                      "courier", "times", ""}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _opacity(value: str | None) -> float:
    try:
        return float(value) if value is not None else 1.0
    except ValueError:
        return 1.0


def _svg_font_family(value: str, cache: dict[str, str]) -> str:
    """A Qt family name ("Sans Serif" is Qt's alias, unknown to other programs) as a CSS
    family list: the font Qt really used, then common fonts, then the generic family."""
    if value in cache:
        return cache[value]
    from PySide6.QtGui import QFont, QFontInfo

    names = [n.strip().strip("'\"") for n in value.split(",")]
    first = names[0] if names else ""
    info = QFontInfo(QFont(first)) if first else QFontInfo(QFont())
    real = info.family()
    mono = info.fixedPitch() or first.lower() in ("monospace", "courier")
    fams = [real] if real else []
    fams += [n for n in names if n.lower() not in _QT_FAMILY_ALIASES and n not in fams]
    fams += (["Consolas", "Courier New", "monospace"] if mono
             else ["Arial", "Helvetica", "sans-serif"])
    out = ", ".join(f"'{f}'" if " " in f else f for f in dict.fromkeys(fams))
    cache[value] = out
    return out


def _text_advance(el, cache: dict) -> float | None:
    """The width Qt gave the text of a ``<text>`` element (from its font attributes, sizes in
    px at 96 dpi, hinted as Qt lays text out), or None."""
    from PySide6.QtGui import QFont, QFontMetricsF, QImage

    try:
        size = float(el.get("font-size", "12"))
        weight = int(float(el.get("font-weight", "400")))
    except ValueError:
        return None
    fam = (el.get("font-family") or "").split(",")[0].strip().strip("'\"")
    key = (fam, size, weight, el.get("font-style", "normal"))
    fm = cache.get(key)
    if fm is None:
        device = cache.get("device")
        if device is None:  # 96 dpi, whatever the screen: the SVG's px are CSS px
            device = cache["device"] = QImage(1, 1, QImage.Format.Format_ARGB32)
            device.setDotsPerMeterX(3780)
            device.setDotsPerMeterY(3780)
        f = QFont(fam) if fam else QFont()
        f.setPointSizeF(size * 72.0 / 96.0)
        f.setWeight(QFont.Weight(min(900, max(100, weight))))
        f.setItalic(key[3] == "italic")
        fm = cache[key] = QFontMetricsF(f, device)
    return fm.horizontalAdvance("".join(el.itertext()))


def _merge_text_runs(parent, cache: dict) -> None:
    """Qt writes one ``<text>`` per font run (a Greek letter from a fallback font starts a new
    one), each at a fixed x. Another program picks other fonts and the runs then overlap or
    gap ("Wᵀ·δ" drawn as "Wδ"): join runs that Qt set edge to edge into one text."""
    kids = list(parent)
    i = 0
    while i < len(kids) - 1:
        a, b = kids[i], kids[i + 1]
        if _local(a.tag) == "text" and _local(b.tag) == "text" and not len(a) and not len(b) \
                and {k: v for k, v in a.attrib.items() if k != "x"} \
                == {k: v for k, v in b.attrib.items() if k != "x"}:
            try:
                gap = float(b.get("x")) - float(a.get("x"))
            except (TypeError, ValueError):
                gap = None
            adv = _text_advance(a, cache)
            if gap is not None and adv is not None and abs(gap - adv) <= 0.5 + 0.01 * adv:
                a.text = (a.text or "") + (b.text or "")
                parent.remove(b)
                kids.pop(i + 1)
                continue
        i += 1
    # each text as wide as Qt set it, whichever font the reader has: labels that Qt placed
    # side by side (a banner's title and its grey note) neither overlap nor drift apart
    for el in parent:
        if _local(el.tag) == "text" and not len(el) and (el.text or "").strip():
            adv = _text_advance(el, cache)
            if adv:
                el.set("textLength", f"{adv:.2f}")
                el.set("lengthAdjust", "spacing")


def _portable_svg(text: str, transparent: bool = False, scale: float = 1.0) -> str:
    """Rewrite an SVG from pyqtgraph or ``QSvgGenerator`` so that slide programs (PowerPoint,
    Keynote, LibreOffice) and SVG Tiny renderers draw what browsers draw:

    * an SVG 1.1 root with its size in pixels (``width``/``height``, not millimetres or
      nothing; ``scale`` times the drawing's own size), the background a rectangle of that
      size (``100%`` is read as 100 px by some), none at all when transparent (renderers
      that ignore ``fill-opacity`` paint it black);
    * every ``clipPath`` inside ``<defs>``: pyqtgraph writes them in the drawing, and a
      renderer without clipping then strokes the clip rectangle as a black frame;
    * every shape with its own ``fill`` and ``stroke`` (no reliance on inheritance from groups
      whose default brush is black); invisible shapes (no fill and no stroke, fully
      transparent, or of zero size) removed;
    * fonts named as installed fonts with fallbacks, not Qt's alias "Sans Serif", and the
      runs Qt split a line into joined again (:func:`_merge_text_runs`).
    """
    import xml.etree.ElementTree as ET

    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", _XLINK_NS)
    root = ET.fromstring(text)
    q = f"{{{_SVG_NS}}}"
    # -- the root: SVG 1.1, size in pixels
    vb = root.get("viewBox")
    if vb is None:
        for k in list(root.attrib):
            if k.strip() == "viewBox":
                vb = root.attrib.pop(k)
    nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", vb or "")]
    if len(nums) == 4:
        w, h = nums[2], nums[3]
    else:
        w = float(re.sub(r"[^\d.]", "", root.get("width", "0")) or 0)
        h = float(re.sub(r"[^\d.]", "", root.get("height", "0")) or 0)
    root.set("viewBox", f"0 0 {w:g} {h:g}")
    root.set("width", f"{w * scale:g}")
    root.set("height", f"{h * scale:g}")
    root.set("version", "1.1")
    root.attrib.pop("baseProfile", None)
    # -- <defs> first (after title, desc, style), holding every clipPath
    parent = {c: p for p in root.iter() for c in p}
    defs = root.find(f"{q}defs")
    if defs is None:
        defs = ET.Element(f"{q}defs")
        i = 0
        while i < len(root) and _local(root[i].tag) in ("title", "desc", "style"):
            i += 1
        root.insert(i, defs)
    for cp in list(root.iter(f"{q}clipPath")):
        p = parent.get(cp)
        if p is not None and p is not defs and _local(p.tag) != "defs":
            p.remove(cp)
            defs.append(cp)
    # -- the background
    for el in list(root):
        if _local(el.tag) == "rect" and "%" in (el.get("width", "") + el.get("height", "")):
            if transparent or _opacity(el.get("fill-opacity")) == 0 \
                    or el.get("fill") in (None, "none", "transparent"):
                root.remove(el)
            else:
                el.set("x", "0")
                el.set("y", "0")
                el.set("width", f"{w:g}")
                el.set("height", f"{h:g}")
    # -- explicit paint on every shape; drop what draws nothing
    fonts: dict[str, str] = {}
    metrics: dict = {}

    def walk(el, inh: dict[str, str]) -> None:
        tag = _local(el.tag)
        if tag in _NOT_DRAWN:
            return
        _merge_text_runs(el, metrics)
        st = dict(inh)
        for k in ("fill", "stroke", "fill-opacity", "stroke-opacity", "stroke-width"):
            if k in el.attrib:
                st[k] = el.get(k)
        fam = el.get("font-family")
        if fam is not None:
            el.set("font-family", _svg_font_family(fam, fonts))
        for child in list(el):
            if _local(child.tag) in _SHAPES and not _visible(child, st):
                el.remove(child)
            else:
                walk(child, st)
        if tag in _SHAPES:
            fill = st["fill"] if _opacity(st.get("fill-opacity")) > 0 else "none"
            stroke = st["stroke"] if _opacity(st.get("stroke-opacity")) > 0 else "none"
            el.set("fill", fill)
            el.set("stroke", stroke)
            for k in ("fill-opacity", "stroke-opacity"):  # inherited values, made explicit
                if k in st and k not in el.attrib and _opacity(st[k]) < 1:
                    el.set(k, st[k])

    def _visible(el, inh: dict[str, str]) -> bool:
        g = {**inh, **{k: el.get(k) for k in ("fill", "stroke", "fill-opacity",
                                                 "stroke-opacity", "stroke-width")
                       if k in el.attrib}}
        tag = _local(el.tag)
        if tag == "text" and not "".join(el.itertext()).strip():
            return False
        if tag == "rect" and (_opacity(el.get("width")) == 0 or _opacity(el.get("height")) == 0):
            return False
        if (tag == "path" and not el.get("d", "").strip()) or \
                (tag in ("polyline", "polygon") and not el.get("points", "").strip()):
            return False  # no geometry (Qt's renderer warns about the empty path)
        filled = g.get("fill", "none") != "none" and _opacity(g.get("fill-opacity")) > 0
        stroked = (g.get("stroke", "none") != "none" and _opacity(g.get("stroke-opacity")) > 0
                   and _opacity(g.get("stroke-width")) > 0)
        return filled or stroked

    walk(root, {"fill": "#000000", "stroke": "none"})  # SVG's initial values, made explicit
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + body + "\n"


def _window_svg(widget: QWidget, tmp: str, transparent: bool, scale: float = 1.0) -> None:
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
    gen = QSvgGenerator()
    gen.setFileName(tmp)
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
        raise OSError(f"{tmp}: could not write the SVG")
    try:
        with _views_for_export(widget, painter):
            # render() puts the top left of the region's bounding box at the offset
            widget.render(painter, region.boundingRect().topLeft(), region, flags)
        for mb, r in bars:
            painter.drawImage(QRectF(r), render_image(mb, 2.0))
    finally:
        painter.end()
    with open(tmp, encoding="utf-8") as f:
        text = f.read()
    nested = "".join(_nested_svg(_scene_svg(v, transparent), r, f"v{i}-")
                     for i, (v, r) in enumerate(views))
    cut = text.rindex("</svg>")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(_portable_svg(text[:cut] + nested + text[cut:], transparent, scale))


def export_widget(widget: QWidget, path: str | os.PathLike, fmt: str | None = None,
                  scale: float = 1.0, transparent: bool = False) -> Path:
    """Write ``widget`` to ``path`` as PNG or SVG (``fmt``, or the suffix of ``path``).

    A pyqtgraph view (the canvas, the error plot) goes through :func:`export_scene`; any other
    widget, such as the main window, is rendered by Qt (PNG at device pixel ratio ``scale``;
    SVG through ``QSvgGenerator``). Raises ValueError for a bad format or scale, OSError when
    the file cannot be written (then nothing is left behind)."""
    path = Path(path)
    fmt = format_of(path, fmt)
    scale = _check_scale(scale)
    if isinstance(widget, pg.GraphicsView):
        return export_scene(widget, path, fmt, scale, transparent)
    if fmt == "png":
        img = render_image(widget, scale, transparent)
        with _atomic(path) as tmp:
            if not img.save(tmp, "PNG"):
                raise OSError(f"{path}: could not write the PNG")
        return path
    with _atomic(path) as tmp:
        _window_svg(widget, tmp, transparent, scale)
    return path


def copy_to_clipboard(widget: QWidget, scale: float = 1.0) -> QImage:
    """Put an image of ``widget`` on the clipboard (and return it)."""
    img = render_image(widget, scale)
    QApplication.clipboard().setImage(img)
    return img


class QuickExporter:
    """Numbered exports into one folder: ``bpviz-0001.png``, ``bpviz-0002.png``, … (the next
    number after the highest one there, whatever its format); with a ``tag`` (the phase, say)
    ``bpviz-0003-05-out-h.png``."""

    def __init__(self, folder: str | os.PathLike, prefix: str = "bpviz", fmt: str = "png",
                 scale: float = 1.0) -> None:
        self.folder = Path(folder)
        self.prefix = _safe_name(prefix) or "bpviz"
        self.fmt = format_of("", fmt)
        self.scale = _check_scale(scale)

    def next_path(self, tag: str = "") -> Path:
        pat = re.compile(rf"^{re.escape(self.prefix)}-(\d{{4,}})(?:-[^.]*)?\."
                         rf"(?:{'|'.join(FORMATS)})$")
        used = [int(m.group(1)) for p in (self.folder.iterdir() if self.folder.is_dir() else ())
                if (m := pat.match(p.name))]
        tag = _safe_name(tag)
        return self.folder / (f"{self.prefix}-{max(used, default=0) + 1:04d}"
                              f"{'-' + tag if tag else ''}.{self.fmt}")

    def export(self, widget: QWidget, tag: str = "") -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return export_widget(widget, self.next_path(tag), self.fmt, self.scale)


def _safe_name(text: str) -> str:
    """``text`` usable in a file name on every system (':' and the like become '-')."""
    return re.sub(r'[\\/:*?"<>|\s]+', "-", str(text)).strip("-.")


def phase_tag(index: int, name: str, total: int = 0) -> str:
    """``NN-NAME`` of the phase at (0-based) ``index``: NN its number as the window counts it,
    from 01 (two digits, more when ``total`` needs them); ':' written as '-'."""
    digits = max(2, len(str(total)))
    return f"{index + 1:0{digits}d}-{_safe_name(name)}"


def phase_file_name(index: int, name: str, fmt: str, total: int = 0) -> str:
    """``NN-NAME.EXT`` for --all-phases (:func:`phase_tag`): the first phase is
    ``01-input.png``. A ':' is not allowed in file names on Windows (and means something else
    to the macOS Finder), so ``grad_out:h`` becomes ``grad_out-h``."""
    return f"{phase_tag(index, name, total)}.{fmt}"


def export_stem(source: str | os.PathLike | None) -> str:
    """The network's short name for file names: a preset's name, or a file's name without
    ``.bpviz.json`` (``bpviz`` when untitled)."""
    name = Path(str(source or "")).name
    for suffix in (".bpviz.json", ".json", ".bpviz"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return _safe_name(name) or "bpviz"


def export_file_name(stem: str, what: str, index: int, name: str, fmt: str, total: int = 0,
                     iteration: int = 1) -> str:
    """The name File → Export proposes: the canvas of mazur at phase 3 is
    ``mazur-03-out-h.png``, so exporting several phases does not overwrite one file; the
    window adds ``window``, a later iteration ``iteration-K``; the error plot, which is the
    same at every phase, is ``mazur-plot-iteration-K.png``."""
    parts = [_safe_name(stem) or "bpviz"]
    if what == "plot":
        return "-".join([*parts, "plot", f"iteration-{iteration}"]) + f".{fmt}"
    if what != "canvas":
        parts.append(_safe_name(what))
    if iteration > 1:
        parts.append(f"iteration-{iteration}")
    return "-".join([*parts, phase_tag(index, name, total)]) + f".{fmt}"


# ------------------------------------------------------------------------------ bpviz export
def _parse_size(text: str | None, what: str) -> tuple[int, int]:
    from bpviz.cli import UsageError

    if text is None:
        return DEFAULT_SIZES[what]
    m = re.fullmatch(r"\s*(\d{1,6})\s*[xX×]\s*(\d{1,6})\s*", text)
    if not m:
        raise UsageError(f"--size {text}: expected WIDTHxHEIGHT in pixels, e.g. 1200x800")
    w, h = int(m.group(1)), int(m.group(2))
    if min(w, h) < MIN_SIZE or max(w, h) > MAX_PIXELS:
        raise UsageError(f"--size {text}: each side must be {MIN_SIZE} to {MAX_PIXELS} pixels")
    return w, h


def _phase_index(text: str | None, names: list[str]) -> int:
    from bpviz.cli import UsageError

    if text is None:
        return len(names) - 1
    t = text.strip()
    if re.fullmatch(r"[+-]?\d+", t):
        n = int(t)  # counted as the window counts: 1 is the first phase
        if not 1 <= n <= len(names):
            raise UsageError(f"--phase {text}: phases are numbered 1 to {len(names)} "
                             f"(or give a name: {names[0]}, {names[1]}, …, {names[-1]})")
        return n - 1
    if t not in names:
        raise UsageError(f"--phase {text}: no such phase (phases: {', '.join(names)})")
    return names.index(t)


def _target(args) -> tuple[Path, str]:
    """The output (a file, or a folder with --all-phases) and the format; nothing is created."""
    from bpviz.cli import UsageError

    out = Path(args.out)
    if args.all_phases:
        fmt = args.format or "png"
        if out.exists() and not out.is_dir():
            raise UsageError(f"{out}: --all-phases writes one file per phase into a folder, "
                             "and this is a file")
        if not out.exists() and out.suffix.lower() in (".png", ".svg"):
            raise UsageError(f"{out}: --all-phases writes one file per phase into a folder; "
                             "give a folder name")
        anc = out.resolve()
        while not anc.exists() and anc != anc.parent:  # the nearest existing folder
            anc = anc.parent
        if not anc.is_dir() or not os.access(anc, os.W_OK | os.X_OK):
            raise UsageError(f"{out}: cannot write there ({anc} is not a writable folder)")
        return out, fmt
    if out.is_dir():
        raise UsageError(f"{out}: is a folder, expected a file name")
    suffix = out.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        if args.format and args.format != suffix:
            raise UsageError(f"{out}: --format {args.format} does not match the suffix "
                             f".{suffix}")
        fmt = suffix
    elif args.format:
        fmt = args.format
    else:
        raise UsageError(f"{out}: unknown image format "
                         f"{('.' + suffix) if suffix else '(no suffix)'}; "
                         "use .png or .svg, or --format")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise UsageError(f"{out}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{out}: folder {parent} is not writable")
    if out.exists() and not os.access(out, os.W_OK):
        raise UsageError(f"{out}: the file is not writable")
    return out, fmt


def _put_history(session, errors: list[float], epochs: list[tuple[int, float]]) -> None:
    """Give the session the errors of steps 1, 2, … (and the epoch errors) so the plot shows
    them."""
    h = getattr(session, "history", None)
    if h is not None and hasattr(h, "extend"):
        h.clear()
        h.extend(1, errors)
        if hasattr(h, "add_epochs"):
            h.add_epochs(list(epochs))
        elif hasattr(h, "epochs"):
            h.epochs = list(epochs)
        session.historyChanged.emit()
    else:  # the older Session: a list of (step, E)
        session.error_log[:] = [(i + 1, e) for i, e in enumerate(errors)]
        session.traceChanged.emit()


@contextmanager
def _quiet_platform() -> Iterator[None]:
    """Keep the offscreen platform's notice about size hints off stderr while exporting."""
    def handler(mode, context, message):
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")

    prev = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(prev)


def _settle(app: QApplication, rounds: int = 3) -> None:
    for _ in range(rounds):
        app.processEvents()


def _content_rect(view) -> QRectF:
    """The scene rectangle of what the canvas draws (neurons, edges, labels; not the colour
    key, which keeps its own corner)."""
    vb = view.vb
    skip = {id(getattr(view, "_legend", None))}
    rect = QRectF()
    for it in getattr(vb, "addedItems", []):
        if id(it) in skip or not it.isVisible():
            continue
        if isinstance(it, pg.TextItem) and not it.textItem.toPlainText().strip():
            continue
        if isinstance(it, pg.PlotCurveItem) and (it.xData is None or len(it.xData) == 0):
            continue
        if isinstance(it, pg.ScatterPlotItem) and len(it.data) == 0:
            continue
        r = it.sceneBoundingRect()
        if r.isValid() and math.isfinite(r.width()) and math.isfinite(r.height()):
            rect = rect.united(r)
    return rect


def _phases_rect(view, app) -> QRectF:
    """The union of :func:`_content_rect` over every phase; the phase is left as it was."""
    session = view.session
    here = session.phase_index
    union = QRectF()
    try:
        for i in range(len(session.names)):
            session.set_phase(i)
            _settle(app, 1)
            union = union.united(_content_rect(view))
    finally:
        session.set_phase(here)
        _settle(app, 1)
    return union


def centre_canvas(view, app: QApplication | None = None, rounds: int = 4) -> tuple[float, float]:
    """Pan the canvas so that its drawing, taken over every phase of the iteration (the same
    place in every frame of a slide sequence), sits in the middle of the network area (under
    the banner). Labels that the canvas keeps inside its edges move less than the pan, so this
    repeats (at most ``rounds`` times) until the drawing is centred to a pixel. Returns the
    (x, y) offset in pixels that was left."""
    vb = getattr(view, "vb", None)
    if vb is None or getattr(view, "session", None) is None:
        return 0.0, 0.0
    app = app or QApplication.instance()
    dx = dy = 0.0
    for _ in range(max(1, rounds)):
        union = _phases_rect(view, app)
        if union.isEmpty():
            return 0.0, 0.0
        area = vb.sceneBoundingRect()
        dx = union.center().x() - area.center().x()
        dy = union.center().y() - area.center().y()
        if abs(dx) < 1.0 and abs(dy) < 1.0:
            break
        c, a = vb.mapSceneToView(union.center()), vb.mapSceneToView(area.center())
        vb.translateBy(x=c.x() - a.x(), y=c.y() - a.y())
        _settle(app)
    return dx, dy


def export_command(args) -> int:
    """``bpviz export`` (CLI.md): render offscreen, write PNG or SVG. Bad arguments raise
    ``bpviz.cli.UsageError`` before anything is written. Returns the exit status: 0, or 3 when
    training (--steps) diverged (the image then shows the last finite weights)."""
    from bpviz.cli import UsageError, _doc, _rows

    # -- everything that needs no Qt and no network first
    what = args.what
    scale = float(args.scale)
    if not (math.isfinite(scale) and MIN_SCALE <= scale <= MAX_SCALE):
        raise UsageError(f"--scale {args.scale:g}: expected a number from {MIN_SCALE:g} to "
                         f"{MAX_SCALE:g}")
    width, height = _parse_size(args.size, what)
    if max(width, height) * scale > MAX_PIXELS:
        raise UsageError(f"--size {width}x{height} at --scale {scale:g} is too large "
                         f"(at most {MAX_PIXELS} pixels a side)")
    steps = int(args.steps or 0)
    if steps < 0:
        raise UsageError(f"--steps {steps}: expected a number ≥ 0")
    if args.all_phases and args.phase is not None:
        raise UsageError("--phase and --all-phases exclude each other")
    out, fmt = _target(args)
    doc = _doc(args.net)

    from bpviz.core.iteration.phases import phase_names

    names = phase_names(doc.network)
    phase = None if args.all_phases else _phase_index(args.phase, names)
    rows = _rows(doc, getattr(args, "sample", None))  # --sample K counts from 1

    # -- training (core only)
    diverged_at = None
    history: list[float] = []
    epochs: list[tuple[int, float]] = []
    trained = None
    if steps:
        from bpviz.core.training import Trainer

        trainer = Trainer(doc, track_epoch_error=True)
        while trainer.step < steps and trainer.diverged_at is None:
            trainer.run(max_steps=steps - trainer.step, seconds=0.25)
        diverged_at = trainer.diverged_at
        net = trainer.network
        trained = (net.weights, net.biases, trainer.step)
        history = [float(e) for e in trainer.error_history]
        epochs = [(int(a), float(b)) for a, b in trainer.epoch_errors]

    # -- Qt, offscreen unless the caller chose a platform
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bpviz.gui.app import make_app

    app = make_app()
    with _quiet_platform(), tempfile.TemporaryDirectory(prefix="bpviz-export-") as tmpdir:
        settings = QSettings(os.path.join(tmpdir, "bpviz.ini"), QSettings.Format.IniFormat)
        window = widget = None
        session_owner = None
        try:
            if what == "window":
                from bpviz.gui.main_window import MainWindow

                window = MainWindow(doc, args.net, settings=settings)
                widget, session = window, window.session
            else:
                from bpviz.gui.session import Session

                session = session_owner = Session(doc, args.net)
                if what == "canvas":
                    from bpviz.gui.network_view import NetworkView

                    widget = NetworkView(session)
                else:
                    from bpviz.gui.error_plot import ErrorPlot

                    widget = ErrorPlot(session)
            if window is None:  # our own view: any size the user asks for
                widget.setMinimumSize(MIN_SIZE, MIN_SIZE)
            # laid out and painted, never shown on a screen
            widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
            widget.resize(width, height)
            widget.show()
            _settle(app)
            got = widget.size()
            if got != QSize(width, height):
                raise UsageError(f"--size {width}x{height}: the {what} needs at least "
                                 f"{got.width()}x{got.height()}")
            if trained is not None:
                session.adopt_parameters(*trained)
                _put_history(session, history, epochs)
            if rows is not None:  # the step on sample K alone, as an online step would be
                if session.doc.mode != "online":
                    session.set_mode("online")
                session.set_sample_choice(rows[0])
            if phase is not None:
                session.set_phase(phase)
            if getattr(args, "legend", False):
                session.set_show_legend(True)
            apply_palette(args.theme)  # the widgets' colours (menus, docks) too
            session.set_theme(args.theme)  # also refreshes every view with the final layout
            _settle(app)
            if what == "canvas":
                centre_canvas(widget, app)
            if args.all_phases:
                # bad input is all reported by now: only now create the folder
                try:
                    out.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise UsageError(f"{out}: cannot create the folder ({e.strerror})") from None
                total = len(session.names)
                for i, name in enumerate(session.names):
                    session.set_phase(i)
                    _settle(app, 2)
                    export_widget(widget, out / phase_file_name(i, name, fmt, total), fmt,
                                  scale)
            else:
                export_widget(widget, out, fmt, scale)
        finally:
            if window is not None:
                window.close()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
            _settle(app, 2)
            settings.sync()
            del session_owner
    if diverged_at is not None:
        print(f"bpviz export: training diverged at step {diverged_at} (a value was not "
              f"finite); the image shows the weights after step {diverged_at - 1}.",
              file=sys.stderr)
        return 3
    return 0
