"""Colours and sizes. Colours are Okabe–Ito's colour-blind-safe set: blue and vermillion for
the sign of a value, bluish green for the forward pass, reddish purple reserved for the error
signal on the backward pass."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor

POSITIVE = "#0072B2"  # blue
NEGATIVE = "#D55E00"  # vermillion
FORWARD = "#009E73"  # bluish green
ERROR_SIGNAL = "#CC79A7"  # reddish purple: only the backward pass uses it
SELECT = "#E69F00"  # orange: the selection


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    muted: str
    neuron_fill: str
    neuron_edge: str
    neutral_edge: str
    banner_bg: str
    grid: str


LIGHT = Theme("light", "#FFFFFF", "#1A1A1A", "#666666", "#F4F4F4", "#333333", "#BBBBBB", "#F0F4F8", "#E8E8E8")
DARK = Theme("dark", "#1E1F22", "#E8E8E8", "#A0A0A0", "#2E3036", "#D0D0D0", "#5A5D63", "#2A2D33", "#33363C")
THEMES = {"light": LIGHT, "dark": DARK}


MIX = 0.85  # how much of the sign's colour the largest value's fill takes
COLOUR_STEPS = 64  # shades of each sign: one step moves a channel by ≤ 3.3 of 255, unseen


def diverging_step(v: float, vmax: float) -> int:
    """The shade of a signed value on the quantised scale, −COLOUR_STEPS … COLOUR_STEPS (0:
    the neutral fill, also for NaN and vmax ≤ 0). The steps are even in the colour mix
    (|v / vmax|^0.7 · MIX), so no two neighbouring shades can be told apart."""
    if vmax <= 0 or v != v:
        return 0
    t = max(-1.0, min(1.0, v / vmax))
    k = round(abs(t) ** 0.7 * COLOUR_STEPS)
    return k if t >= 0 else -k


def _mix(step: int, theme: Theme) -> QColor:
    base = QColor(theme.neuron_fill)
    end = QColor(POSITIVE if step >= 0 else NEGATIVE)
    a = abs(step) / COLOUR_STEPS * MIX
    return QColor(
        round(base.red() + (end.red() - base.red()) * a),
        round(base.green() + (end.green() - base.green()) * a),
        round(base.blue() + (end.blue() - base.blue()) * a),
    )


def diverging(v: float, vmax: float, theme: Theme) -> QColor:
    """A fill for a signed value: vermillion (negative) through the neutral fill to blue, on
    the quantised scale (:func:`diverging_step`)."""
    return _mix(diverging_step(v, vmax), theme)


_BRUSHES: dict = {}


def neuron_brush(v: float, vmax: float, theme: Theme):
    """The neurons' fill for a signed value as one of a fixed set of shared QBrush objects
    (2·COLOUR_STEPS + 1 per theme): pyqtgraph's scatter renders a symbol per distinct brush
    object, so reusing them keeps its symbol atlas's cache warm whatever the network."""
    key = (theme.name, diverging_step(v, vmax))
    brush = _BRUSHES.get(key)
    if brush is None:
        import pyqtgraph as pg

        brush = _BRUSHES[key] = pg.mkBrush(_mix(key[1], theme))
    return brush


def readable_on(c: QColor) -> str:
    """Black or white text, whichever reads better on c."""
    lum = 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()
    return "#111111" if lum > 140 else "#FFFFFF"


def apply_palette(name: str) -> None:
    """The widgets' colours (menus, docks, tables) follow the theme too."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")  # the one style that honours a palette everywhere
    if name != "dark":
        app.setPalette(app.style().standardPalette())
        return
    p = QPalette()
    R, G = QPalette.ColorRole, QPalette.ColorGroup
    for role, col in (
        (R.Window, "#2A2D33"),
        (R.Base, "#1E1F22"),
        (R.AlternateBase, "#2E3036"),
        (R.Button, "#2E3036"),
        (R.WindowText, "#E8E8E8"),
        (R.Text, "#E8E8E8"),
        (R.ButtonText, "#E8E8E8"),
        (R.ToolTipBase, "#2E3036"),
        (R.ToolTipText, "#E8E8E8"),
        (R.PlaceholderText, "#A0A0A0"),
        (R.Highlight, "#0072B2"),
        (R.HighlightedText, "#FFFFFF"),
        (R.Link, "#56B4E9"),
        (R.BrightText, "#FFFFFF"),
    ):
        p.setColor(role, QColor(col))
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(G.Disabled, role, QColor("#7A7D83"))
    app.setPalette(p)


# ---------------------------------------------------------------------------- font zoom
_BASE_FONT = None  # the application's font before any zoom


def apply_font_zoom(zoom: float) -> None:
    """The whole window follows the font zoom: the application font (menus, docks, tables,
    status bar, toolbar, dialogs) is its unzoomed size times zoom. Widgets with their own
    sizes (the canvas, the inspector's text) scale themselves from the session's zoom."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    global _BASE_FONT
    app = QApplication.instance()
    if app is None:
        return
    if _BASE_FONT is None:
        _BASE_FONT = QFont(app.font())
    f = QFont(_BASE_FONT)
    if _BASE_FONT.pointSizeF() > 0:
        f.setPointSizeF(_BASE_FONT.pointSizeF() * zoom)
    elif _BASE_FONT.pixelSize() > 0:
        f.setPixelSize(max(1, round(_BASE_FONT.pixelSize() * zoom)))
    if f != app.font():
        app.setFont(f)


def base_point_size() -> float:
    """The unzoomed application font's size in points."""
    from PySide6.QtWidgets import QApplication

    f = _BASE_FONT if _BASE_FONT is not None else QApplication.font()
    return f.pointSizeF() if f.pointSizeF() > 0 else 9.0


def zoom_plot_fonts(view, zoom: float) -> None:
    """Fonts of a pyqtgraph view (axes' ticks and labels, legends, text items) at the
    application font's size times zoom, through pyqtgraph's public API, so a plot follows
    the font zoom whoever built it."""
    import pyqtgraph as pg
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    pt = base_point_size() * zoom
    font = QFont(QApplication.font())
    font.setPointSizeF(pt)
    for it in view.scene().items():
        if isinstance(it, pg.AxisItem):
            it.setTickFont(font)
            style = {**it.labelStyle, "font-size": f"{pt:.1f}pt"}
            if it.labelText or it.labelUnits:
                it.setLabel(
                    it.labelText,
                    it.labelUnits,
                    it.labelUnitPrefix,
                    unitPower=getattr(it, "unitPower", 1),
                    **style,
                )
            else:
                it.labelStyle = style
        elif isinstance(it, pg.LegendItem):
            it.setLabelTextSize(f"{pt:.1f}pt")
            for _sample, label in it.items:
                label.setText(label.text)  # re-render at the new size
            it.updateSize()
        elif isinstance(it, pg.TextItem):
            it.setFont(font)


def zoom_window_chrome(window, zoom: float, was: float) -> None:
    """What the application font does not reach by itself, at the font zoom (``was``: the
    zoom before): dock titles, toolbar icons and table rows and columns. A dock whose font
    equals the application's draws its title in the platform's title font, fixed when the
    dock was made; a font that differs (only in its style strategy) makes the title follow
    the zoom like everything else."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication, QDockWidget, QStyle, QTableView, QToolBar

    title = QFont(QApplication.font())
    title.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    for d in window.findChildren(QDockWidget):
        d.setFont(title)
    icon = round(window.style().pixelMetric(QStyle.PixelMetric.PM_ToolBarIconSize) * zoom)
    for tb in window.findChildren(QToolBar):
        tb.setIconSize(QSize(icon, icon))
    for view in window.findChildren(QTableView):
        for h in (view.horizontalHeader(), view.verticalHeader()):
            base = h.property("bpviz-section-size")
            if base is None:  # first seen at the zoom before this one
                base = h.defaultSectionSize() / was
                h.setProperty("bpviz-section-size", base)
            h.setDefaultSectionSize(max(1, round(base * zoom)))
