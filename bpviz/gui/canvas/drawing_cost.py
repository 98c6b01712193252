"""How the canvas draws its edges, chosen by what drawing them costs (numpy only, no Qt).

Measured in Qt's software rasteriser on this project's 2-core machine: an opaque antialiased
segment of ~400 px costs ~15 µs, an aliased one ~2 µs; a *translucent* wide segment costs
50–290 µs, which is why the canvas never strokes translucent pens (its layers paint opaque and
are blended once, see ``edge_layer``). So the plan depends on the number of drawn edges and
the pixels they cover, never on the tallest layer:

* **antialiasing** while the drawn edges' total length stays under ``AA_PIXELS`` (~20 ms of
  antialiased strokes); exports antialias up to ``EXPORT_AA_EDGES`` edges;
* **width and colour strength** go smoothly, in log(edge count), from the full weight-coded
  widths and colours (up to ``FULL_EDGES``) to 1-pixel pale edges (from ``THIN_EDGES``);
* **the glow** of the phase's edges narrows and turns opaque over the same range;
* **highlights**: a layer with more than ``HIGHLIGHT_ALL`` drawn edges lights its
  ``HIGHLIGHT_BUDGET`` strongest.

The same numbers take a network from 10 to 100,000 edges with no step in cost or look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FULL_EDGES = 300  # up to here: full widths and colours, as the presets show
THIN_EDGES = 6000  # from here: 1-pixel pale edges, opaque thin glow
AA_PIXELS = 800_000  # antialias while the drawn edges' lengths sum to at most this (px)
EXPORT_AA_EDGES = 12_000  # an export antialiases up to this many edges (≈ 200 ms)
HIGHLIGHT_ALL = 2000  # a layer with more drawn edges lights only its strongest
HIGHLIGHT_BUDGET = 600
GLOW_WIDE, GLOW_THIN = 9.0, 1.5  # px at font zoom 1
SIGNAL_WIDE = 11.0
GLOW_ALPHA, UPDATE_GLOW_ALPHA, SIGNAL_ALPHA = 90 / 255, 60 / 255, 150 / 255


@dataclass(frozen=True)
class DrawingPlan:
    """How to draw ``n_edges`` edges: ``thin`` runs from 0 (presets) to 1 (thousands)."""

    n_edges: int
    thin: float
    antialias: bool

    def edge_width(self, full: float) -> float:
        """A width bin's pen width (px, zoomed) at this density: ``full`` → 1 px."""
        return full + (1.0 - full) * self.thin

    def strength(self, width_bin: int) -> float:
        """How much of the sign's colour an edge of this width bin keeps (the rest is the
        background): 1 for the presets, pale for thousands (the strongest darkest)."""
        pale = 0.25 + 0.17 * width_bin
        return 1.0 + (pale - 1.0) * self.thin

    def glow_width(self, wide: float = GLOW_WIDE) -> float:
        return wide + (GLOW_THIN - wide) * self.thin

    def glow_opacity(self, alpha: float) -> float:
        return alpha + (1.0 - alpha) * self.thin

    @property
    def glow_on_top(self) -> bool:
        """A thin opaque glow is drawn over the pale edges, a wide soft one under them."""
        return self.thin >= 0.5


def thinness(n_edges: int) -> float:
    """0 up to FULL_EDGES, 1 from THIN_EDGES, linear in log(n) between."""
    if n_edges <= FULL_EDGES:
        return 0.0
    if n_edges >= THIN_EDGES:
        return 1.0
    return math.log(n_edges / FULL_EDGES) / math.log(THIN_EDGES / FULL_EDGES)


def plan_for(n_edges: int, total_length_px: float) -> DrawingPlan:
    """The plan for ``n_edges`` drawn edges whose lengths on screen sum to
    ``total_length_px``."""
    return DrawingPlan(n_edges, thinness(n_edges), total_length_px <= AA_PIXELS)


def highlight_cap(n_layer_edges: int) -> int | None:
    """How many of a layer's drawn edges its highlight lights (None: all of them)."""
    return HIGHLIGHT_BUDGET if n_layer_edges > HIGHLIGHT_ALL else None
