"""Presentation mode: the canvas alone at full screen in large type, for a projector; clicker
keys step, B or . blanks the screen, Esc leaves and the window comes back exactly as it was.

- :mod:`.stage` — the window's central widget: the canvas, the caption, the phase counter and
  the black screen;
- :mod:`.caption` — the inspector's text fitted under the canvas;
- :mod:`.presenter` — entering and leaving (and F11's full screen), the zoom for the screen.
"""

from bpviz.gui.presentation.caption import Caption, scaled_html
from bpviz.gui.presentation.presenter import STATE_VERSION, Presenter, presentation_zoom
from bpviz.gui.presentation.stage import Stage

__all__ = ["Stage", "Caption", "Presenter", "presentation_zoom", "scaled_html", "STATE_VERSION"]
