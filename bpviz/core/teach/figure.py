"""Where the neurons, biases and edges of a small network go in the worked example's figure."""

from __future__ import annotations

import math

from bpviz.core.teach.document import Figure

__all__ = ["layout"]


def layout(net) -> Figure | None:
    """Neurons in columns, biases above; weight labels on the edges of a network with at most
    three neurons a layer (None for a network too large to draw)."""
    sizes, L, lab = net.sizes, net.L, net.labels
    if max(sizes) > 6 or L > 4:
        return None
    has_b = net.biases is not None
    dx, dy, top = 150.0, 70.0, 50.0 if has_b else 30.0
    rows = max(sizes)
    pos = {
        (k, i): (60 + dx * k, top + (rows - n) * dy / 2 + i * dy)
        for k, n in enumerate(sizes)
        for i in range(n)
    }
    small = rows <= 3
    edges = [
        (*_shorten(*pos[j, c], *pos[j + 1, r]), lab.weights[j][r][c] if small else "")
        for j in range(L)
        for r in range(sizes[j + 1])
        for c in range(sizes[j])
    ]
    nodes = [(x, y, lab.neurons[k][i], "neuron") for (k, i), (x, y) in pos.items()]
    if has_b:
        for j in range(L):
            x, y, row = 60 + dx * j + dx * 0.5, top - 30, lab.biases[j]
            shared = len(set(row)) == 1
            nodes.append((x, y, row[0] if shared else "1", "bias"))
            edges += [
                (*_shorten(x, y, *pos[j + 1, r]), "" if shared or not small else row[r])
                for r in range(sizes[j + 1])
            ]
    return Figure(nodes, edges, 60 + dx * L + 60, top + dy * (rows - 1) + 30)


def _shorten(x1: float, y1: float, x2: float, y2: float, r: float = 15.0) -> tuple:
    """The segment between two circles of radius r, from rim to rim."""
    d = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / d, (y2 - y1) / d
    return x1 + r * ux, y1 + r * uy, x2 - r * ux, y2 - r * uy
