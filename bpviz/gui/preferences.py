"""What the window remembers between runs, in QSettings: the display settings (``view/theme``,
``view/zoom``, ``view/decimals``, ``view/sig_digits``, ``view/edges``, ``view/weight_labels``,
``view/legend``) and the play delay (``play/delay``). A value that is missing or not readable
gives way to the default. (The window keeps its own geometry and dock layout,
``window/geometry`` and ``window/state``; folders and export choices are remembered where they
are chosen: ``files/*``, ``export/*``, ``present/*``.)"""

from __future__ import annotations

from bpviz.gui.session import SIG_DIGITS

__all__ = ["read_display", "write_display", "read_delay", "EDGE_MODES", "THEME_NAMES"]

THEME_NAMES = ("light", "dark")
EDGE_MODES = ("weight", "grad", "delta_w")
DEFAULT_DELAY = 1500  # ms between phases while playing


def _flag(v, default: str) -> bool:
    return str(v if v is not None else default).lower() == "true"


def read_display(session, settings) -> None:
    """The session's display settings from settings (before anything is drawn)."""
    s, st = session, settings
    s.theme = st.value("view/theme") if st.value("view/theme") in THEME_NAMES else "light"
    try:
        s.zoom = min(3.0, max(0.5, float(st.value("view/zoom", 1.0))))
        s.decimals = 4 if int(st.value("view/decimals", 9)) == 4 else 9
    except (TypeError, ValueError):
        pass
    try:
        d = int(st.value("view/sig_digits", 4))
        s.sig_digits = d if d in SIG_DIGITS else 4
    except (TypeError, ValueError):
        pass
    mode = st.value("view/edges", "weight")
    s.edge_mode = mode if mode in EDGE_MODES else "weight"
    s.show_weight_labels = _flag(st.value("view/weight_labels"), "true")
    s.show_legend = _flag(st.value("view/legend"), "false")


def write_display(session, settings) -> None:
    s, st = session, settings
    st.setValue("view/theme", s.theme)
    st.setValue("view/zoom", s.zoom)
    st.setValue("view/decimals", s.decimals)
    st.setValue("view/sig_digits", s.sig_digits)
    st.setValue("view/edges", s.edge_mode)
    st.setValue("view/weight_labels", "true" if s.show_weight_labels else "false")
    st.setValue("view/legend", "true" if s.show_legend else "false")


def read_delay(settings) -> int:
    """The play delay in ms (200 … 10,000; the spin box clamps it)."""
    try:
        return int(settings.value("play/delay", DEFAULT_DELAY))
    except (TypeError, ValueError):
        return DEFAULT_DELAY
