"""SVG that slide programs draw as browsers do: :func:`portable_svg` rewrites what pyqtgraph's
``SVGExporter`` or Qt's ``QSvgGenerator`` wrote (SVG 1.1 root sized in pixels, clip paths in
``<defs>``, explicit paint on every shape, real font names, Qt's text runs joined again).

Qt is used only to measure text (the widths Qt gave each run), never to draw.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from PySide6.QtGui import QFont, QFontInfo, QFontMetricsF, QImage

__all__ = ["portable_svg"]

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_SHAPES = {"rect", "path", "polygon", "polyline", "line", "circle", "ellipse", "text"}
_NOT_DRAWN = {
    "defs",
    "clipPath",
    "mask",
    "linearGradient",
    "radialGradient",
    "pattern",
    "symbol",
    "marker",
    "title",
    "desc",
    "style",
    "metadata",
}
_QT_FAMILY_ALIASES = {
    "sans serif",
    "sans",
    "sans-serif",
    "helvetica",
    "serif",
    "monospace",
    "courier",
    "times",
    "",
}


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
    names = [n.strip().strip("'\"") for n in value.split(",")]
    first = names[0] if names else ""
    info = QFontInfo(QFont(first)) if first else QFontInfo(QFont())
    real = info.family()
    mono = info.fixedPitch() or first.lower() in ("monospace", "courier")
    fams = [real] if real else []
    fams += [n for n in names if n.lower() not in _QT_FAMILY_ALIASES and n not in fams]
    fams += ["Consolas", "Courier New", "monospace"] if mono else ["Arial", "Helvetica", "sans-serif"]
    out = ", ".join(f"'{f}'" if " " in f else f for f in dict.fromkeys(fams))
    cache[value] = out
    return out


def _text_advance(el, cache: dict) -> float | None:
    """The width Qt gave the text of a ``<text>`` element (from its font attributes, sizes in
    px at 96 dpi, hinted as Qt lays text out), or None."""
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
        if (
            _local(a.tag) == "text"
            and _local(b.tag) == "text"
            and not len(a)
            and not len(b)
            and {k: v for k, v in a.attrib.items() if k != "x"}
            == {k: v for k, v in b.attrib.items() if k != "x"}
        ):
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


def portable_svg(text: str, transparent: bool = False, scale: float = 1.0) -> str:
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
            if (
                transparent
                or _opacity(el.get("fill-opacity")) == 0
                or el.get("fill") in (None, "none", "transparent")
            ):
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
        g = {
            **inh,
            **{
                k: el.get(k)
                for k in ("fill", "stroke", "fill-opacity", "stroke-opacity", "stroke-width")
                if k in el.attrib
            },
        }
        tag = _local(el.tag)
        if tag == "text" and not "".join(el.itertext()).strip():
            return False
        if tag == "rect" and (_opacity(el.get("width")) == 0 or _opacity(el.get("height")) == 0):
            return False
        if (tag == "path" and not el.get("d", "").strip()) or (
            tag in ("polyline", "polygon") and not el.get("points", "").strip()
        ):
            return False  # no geometry (Qt's renderer warns about the empty path)
        filled = g.get("fill", "none") != "none" and _opacity(g.get("fill-opacity")) > 0
        stroked = (
            g.get("stroke", "none") != "none"
            and _opacity(g.get("stroke-opacity")) > 0
            and _opacity(g.get("stroke-width")) > 0
        )
        return filled or stroked

    walk(root, {"fill": "#000000", "stroke": "none"})  # SVG's initial values, made explicit
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + body + "\n"
