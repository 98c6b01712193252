"""The data plane's numbers (bpviz.core.plane): the grid is fitted to the training and test
rows with a margin, the other inputs are held at their training mean, the plane's values are
exactly the core's forward pass at the grid points (also through derived features), the
neuron grids are every layer's out from the same pass, and the contour and region borders lie
where the values cross the level."""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core import plane as P
from bpviz.core.build import LayerSpec, NetworkSpec, build_document
from bpviz.core.presets import load_preset


def doc_of(sizes, acts, n=20, features=(), loss="half_sse", seed=4, test=0):
    spec = NetworkSpec(
        [LayerSpec("x", sizes[0])]
        + [LayerSpec(f"l{k}", s, a) for k, (s, a) in enumerate(zip(sizes[1:], acts, strict=True), 1)],
        loss=loss,
        init_scale=1.0,
        init_seed=seed,
        n_samples=n,
        features=list(features),
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(seed)
    n_raw = sizes[0] - len(features)
    doc.inputs = rng.normal(size=(n, n_raw)) * np.arange(1, n_raw + 1)
    doc.targets = rng.uniform(size=(n, sizes[-1]))
    if test:
        doc.test_inputs = rng.normal(size=(test, n_raw)) * 3 + 5
        doc.test_targets = rng.uniform(size=(test, sizes[-1]))
    return doc


@pytest.mark.parametrize("name", ["circle", "spiral", "moons", "sine", "xor", "swap", "mazur"])
def test_the_planes_values_are_the_cores_forward_pass_at_the_grid_points(name):
    doc = load_preset(name)
    fr = P.frame(doc)
    pl = P.compute(doc.network, fr, step=7)
    ref = doc.network.outputs(fr.rows())
    assert pl.step == 7
    assert pl.outputs.shape == (*fr.shape, doc.network.sizes[-1])
    assert np.array_equal(pl.outputs.reshape(-1, ref.shape[1]), ref)
    # point (iy, ix) is the row iy·nx + ix: its coordinates are (xs[ix], ys[iy])
    rows = fr.rows()
    if fr.curve:
        assert np.array_equal(rows[:, fr.spec.x], fr.xs)
    else:
        ny, nx = fr.shape
        iy, ix = ny - 2, 3
        assert rows[iy * nx + ix, fr.spec.x] == fr.xs[ix]
        assert rows[iy * nx + ix, fr.spec.y] == fr.ys[iy]


def test_derived_features_are_expanded_as_for_the_data():
    doc = doc_of([5, 6, 1], ["tanh", "sigmoid"], features=("x1^2", "x1*x2", "sin(x2)"))
    assert doc.network.n_raw == 2
    fr = P.frame(doc)
    pl = P.compute(doc.network, fr)
    x = fr.rows()
    assert x.shape[1] == 2
    full = np.column_stack([x, x[:, 0] ** 2, x[:, 0] * x[:, 1], np.sin(x[:, 1])])
    assert np.allclose(pl.outputs.reshape(-1, 1), doc.network.outputs(full), rtol=0, atol=1e-15)


def test_the_grid_fits_training_and_test_rows_with_a_margin():
    doc = doc_of([2, 3, 1], ["tanh", "sigmoid"], test=6)
    fr = P.frame(doc)
    both = np.vstack([doc.inputs, doc.test_inputs])
    for axis, (lo, hi) in ((0, fr.x_range), (1, fr.y_range)):
        span = both[:, axis].max() - both[:, axis].min()
        assert lo == pytest.approx(both[:, axis].min() - P.MARGIN * span)
        assert hi == pytest.approx(both[:, axis].max() + P.MARGIN * span)
    # cell centres: an image of the grid covers exactly the ranges
    n = fr.shape[1]
    assert fr.xs[0] - fr.x_range[0] == pytest.approx((fr.x_range[1] - fr.x_range[0]) / n / 2)
    assert fr.shape == (P.RESOLUTION, P.RESOLUTION)
    # one sample: a range around it (mazur)
    one = P.frame(load_preset("mazur"))
    assert one.x_range[0] < 0.05 < one.x_range[1] and one.x_range[1] - one.x_range[0] >= 1.0


def test_other_inputs_are_held_at_their_training_mean():
    doc = doc_of([4, 5, 2], ["tanh", "sigmoid"], test=3)
    spec = P.PlaneSpec(x=2, y=0)
    fr = P.frame(doc, spec)
    assert [i for i, _ in fr.held] == [1, 3]
    means = doc.inputs.mean(axis=0)  # the training rows only, not the test rows
    assert [v for _, v in fr.held] == pytest.approx([means[1], means[3]])
    rows = fr.rows()
    assert (rows[:, 1] == means[1]).all() and (rows[:, 3] == means[3]).all()
    assert rows[:, 2].min() == fr.xs[0] and rows[:, 0].max() == fr.ys[-1]
    pl = P.compute(doc.network, fr)
    assert np.array_equal(pl.outputs.reshape(-1, 2), doc.network.outputs(rows))


def test_one_input_gives_the_function_curve():
    doc = load_preset("sine")
    fr = P.frame(doc)
    assert fr.curve and fr.shape == (P.CURVE_POINTS,) and fr.ys is None
    lo, hi = fr.x_range
    assert fr.xs[0] == lo and fr.xs[-1] == hi
    allx = np.concatenate([doc.inputs[:, 0], doc.test_inputs[:, 0]])
    assert lo < allx.min() and hi > allx.max()
    pl = P.compute(doc.network, fr)
    assert pl.output(0).shape == (P.CURVE_POINTS,)
    assert np.array_equal(pl.output(0), doc.network.outputs(fr.xs[:, None])[:, 0])
    # a curve of one chosen input of several: the others held
    d3 = doc_of([3, 4, 1], ["tanh", "identity"])
    c = P.frame(d3, P.PlaneSpec(1, None))
    assert c.curve and [i for i, _ in c.held] == [0, 2]


def test_neuron_grids_are_every_layers_out_from_the_same_pass():
    doc = load_preset("spiral")
    fr = P.frame(doc)
    grids = P.neuron_grids(doc.network, fr)
    p = doc.network.forward(fr.rows())
    assert [g.shape for g in grids] == [(8, 64, 64), (8, 64, 64), (2, 64, 64)]
    for k, g in enumerate(grids, 1):
        assert g.dtype == np.float32
        assert np.allclose(g.reshape(g.shape[0], -1).T, p.out[k], atol=1e-6)
    pl = P.compute(doc.network, fr, neurons=True)
    assert np.array_equal(pl.neurons[1], grids[1])
    assert P.compute(doc.network, fr).neurons is None
    # the spec can ask for them
    assert P.compute(doc.network, P.frame(doc, P.PlaneSpec(neurons=True))).neurons is not None


def test_a_wide_network_gets_a_coarser_grid():
    small = doc_of([2, 8, 8, 1], ["tanh", "tanh", "sigmoid"])
    assert P.resolution_for(small.network) == P.RESOLUTION
    wide = doc_of([300, 128, 10], ["tanh", "softmax"], n=5, loss="cross_entropy")
    r = P.resolution_for(wide.network)
    assert P.MIN_RESOLUTION <= r < P.RESOLUTION
    assert r * r * sum(w.size for w in wide.network.weights) <= P.PLANE_BUDGET or r == P.MIN_RESOLUTION
    assert P.frame(wide).shape == (r, r)


def test_specs_that_do_not_fit_fall_back_to_the_default():
    net = load_preset("circle").network
    assert P.fit_spec(P.PlaneSpec(0, 5), net) == P.PlaneSpec(0, 1)
    assert P.fit_spec(P.PlaneSpec(1, 1), net) == P.PlaneSpec(0, 1)
    assert P.fit_spec(P.PlaneSpec(1, 0), net) == P.PlaneSpec(1, 0)
    assert P.fit_spec(P.PlaneSpec(0, 1, neurons=True), load_preset("sine")) == P.PlaneSpec(
        0, None, neurons=True
    )
    assert P.default_spec(load_preset("sine")).curve


def test_regions_and_level_follow_classify():
    assert P.regions(load_preset("spiral"))
    assert not P.regions(load_preset("circle"))
    assert not P.regions(load_preset("swap"))  # independent outputs: one output at a time
    assert not P.regions(load_preset("mazur"))
    assert P.level(load_preset("circle")) == 0.5
    tanh = doc_of([2, 3, 1], ["tanh", "tanh"])
    assert P.level(tanh) == 0.0


def test_the_contour_lies_on_the_level_line():
    n = 41
    xs = np.linspace(-1.5, 1.5, n)
    ys = np.linspace(-1.2, 1.2, n)
    gx, gy = np.meshgrid(xs, ys)
    v = gx**2 + gy**2
    seg = P.contour(v, 1.0, xs, ys)
    assert seg.shape[0] % 2 == 0 and seg.shape[0] > 40
    r = np.hypot(seg[:, 0], seg[:, 1])
    cell = xs[1] - xs[0]
    assert np.abs(r - 1).max() < cell / 4
    # a closed loop: every end point is shared by two segments
    keys, counts = np.unique(np.round(seg, 9), axis=0, return_counts=True)
    assert (counts == 2).all()
    lengths = np.hypot(*(seg[1::2] - seg[::2]).T)
    assert lengths.sum() == pytest.approx(2 * np.pi, rel=0.01)
    # nothing crosses: no line
    assert P.contour(v, 100.0, xs, ys).shape == (0, 2)
    # a value that is not finite draws nothing in its cells
    v2 = v.copy()
    v2[n // 2, :] = np.nan
    assert len(P.contour(v2, 1.0, xs, ys)) < len(seg)


def test_a_saddle_is_split_by_the_cells_mean():
    xs = np.array([0.0, 1.0])
    ys = np.array([0.0, 1.0])
    v = np.array([[1.0, -1.0], [-1.0, 1.0]])  # a, b on the bottom row; d, c on the top
    s = P.contour(v + 0.5, 0.0, xs, ys)  # mean above: a's side joins c's; b and d cut off
    assert s.shape == (4, 2)
    ends = {tuple(np.round(p, 6)) for p in s}
    assert ends == {(0.75, 0.0), (1.0, 0.25), (0.0, 0.75), (0.25, 1.0)}
    first = {tuple(np.round(p, 6)) for p in s[:2]}
    assert first in ({(0.75, 0.0), (1.0, 0.25)}, {(0.0, 0.75), (0.25, 1.0)})


def test_region_borders_lie_where_two_classes_tie():
    xs = np.linspace(-1, 1, 33)
    ys = np.linspace(-1, 1, 33)
    gx, gy = np.meshgrid(xs, ys)
    out = np.stack([gx, gy, -gx - gy + 0.1], axis=-1)
    seg = P.borders(out, xs, ys)
    assert len(seg) > 0
    # at each end point the two largest outputs are (nearly) equal
    top = np.sort(np.stack([seg[:, 0], seg[:, 1], -seg[:, 0] - seg[:, 1] + 0.1], axis=-1), axis=-1)
    assert np.abs(top[:, -1] - top[:, -2]).max() < 0.1
    pl = P.Plane(P.Frame(P.PlaneSpec(), 2, (-1, 1), (-1, 1), xs, ys, ()), 0, out)
    assert P.classes(pl)[0, 0] == 2 and P.classes(pl)[-1, -1] in (0, 1)


def test_value_at_reads_the_nearest_grid_point():
    doc = load_preset("circle")
    fr = P.frame(doc)
    pl = P.compute(doc.network, fr)
    v, (iy, ix) = P.value_at(pl, fr.xs[10] + 1e-9, fr.ys[40] - 1e-9)
    assert (iy, ix) == (40, 10) and v[0] == pl.outputs[40, 10, 0]
    assert P.value_at(pl, fr.x_range[1] + 1, 0.0) is None
    sine = load_preset("sine")
    c = P.compute(sine.network, P.frame(sine))
    v, (i,) = P.value_at(c, c.frame.xs[100])
    assert i == 100


def test_a_colour_scale_spans_the_outputs_range_with_the_level_in_the_middle():
    assert P.value_range(load_preset("circle")) == (0.0, 1.0)
    assert P.value_range(load_preset("spiral")) == (0.0, 1.0)
    tanh = doc_of([2, 3, 1], ["tanh", "tanh"])
    assert P.value_range(tanh) == (-1.0, 1.0)
    sine = load_preset("sine")  # identity output, regression: from the values
    assert P.value_range(sine, np.array([-2.0, 0.5, np.nan]), np.array([1.0])) == (-2.0, 1.0)
    assert P.value_range(sine, np.array([0.5])) == (0.0, 1.0)
    sine.classes = ["low", "high"]  # read as classes: symmetric about the level 0.5
    assert P.value_range(sine, np.array([-2.0, 0.5]), np.array([1.0])) == (-2.0, 3.0)


def test_the_default_axes_skip_inputs_that_never_vary():
    doc = doc_of([5, 3, 1], ["tanh", "sigmoid"])
    assert P.default_spec(doc) == P.PlaneSpec(0, 1)
    doc.inputs[:, 0] = 0.0  # a corner pixel: always 0
    doc.inputs[:, 2] = 0.25
    assert P.default_spec(doc) == P.PlaneSpec(1, 3)
    assert P.fit_spec(None, doc) == P.PlaneSpec(1, 3)
    assert P.default_spec(doc.network) == P.PlaneSpec(0, 1)  # no data: the first two
    two = doc_of([2, 3, 1], ["tanh", "sigmoid"])
    two.inputs[:, 0] = 1.0  # two inputs: both axes whatever they hold
    assert P.default_spec(two) == P.PlaneSpec(0, 1)
