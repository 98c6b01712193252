"""The canvas: the network drawn as neurons and weighted edges, with the numbers and highlights
of the current phase (:class:`NetworkView`).

- ``view``: the widget; builds its items per network, refreshes them per phase in named steps.
- ``geometry``: positions, edge segments, hit-testing, arrowhead shapes (numpy, no Qt).
- ``edges``: edge bins and pens, highlights, bias edges, neuron colours.
- ``texts``: what each label says at this phase (reads ``session.revealed`` and the trace).
- ``banner``: the phase's title and formula above the canvas.
- ``placement``: the label layout pass (where each label goes, what is shortened or hidden).
- ``label_layout``: the greedy placement of boxes among obstacles it uses (no Qt).
- ``weight_editor``: editing a weight or bias on the canvas.
- ``pictures``: each neuron's heatmap over the input plane, an image-shaped input layer as its
  sample's image, dense layers as weight-matrix heatmaps (View → Neuron heatmaps, View → Dense
  layers as); ``images`` makes their pixels (no Qt), ``tiles`` draws them.
"""

from bpviz.gui.canvas.view import EDGE_BUDGET, NetworkView

__all__ = ["NetworkView", "EDGE_BUDGET"]
