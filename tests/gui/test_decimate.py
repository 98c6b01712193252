"""The plot's peak decimation of a bounded record: at most about two points a pixel, each
pixel's min and max (a one-step spike stays visible), every entry when they are few; buckets
drawn as their min and max."""

from __future__ import annotations

import numpy as np

from bpviz.gui.decimate import envelope


def test_each_pixels_min_and_max_and_no_more_points():
    rng = np.random.default_rng(2)
    n = 125_000
    steps = np.arange(1, n + 1)
    v = rng.random(n) + 1.0
    v[77_777] = 50.0  # one step's spike
    v[88_888] = 0.001  # and one dip
    xs, ys = envelope(steps, steps, v, v, 0, n, 500)
    assert len(xs) <= 2 * 502
    assert ys.max() == 50.0 and ys.min() == 0.001
    assert (np.diff(xs) >= 0).all() and xs[0] <= 1 and xs[-1] >= n - n / 500


def test_few_entries_are_drawn_as_they_are():
    steps = np.array([3, 4, 5, 9])
    v = np.array([0.5, 0.4, 0.3, 0.2])
    xs, ys = envelope(steps, steps, v, v, 0, 20, 300)
    assert xs.tolist() == [3, 4, 5, 9] and ys.tolist() == v.tolist()


def test_a_visible_range_takes_its_neighbours_and_no_more():
    steps = np.arange(1, 1001)
    v = steps.astype(float)
    xs, ys = envelope(steps, steps, v, v, 100.5, 200.5, 1000)
    assert xs[0] == 100 and xs[-1] == 201  # one entry beyond each edge: the line runs on


def test_buckets_draw_their_min_at_the_first_step_and_max_at_the_middle():
    first, last = np.array([1, 101]), np.array([100, 200])
    lo, hi = np.array([0.1, 0.2]), np.array([0.9, 0.8])
    xs, ys = envelope(first, last, lo, hi, 0, 300, 400)
    assert xs.tolist() == [1, 50.5, 101, 150.5] and ys.tolist() == [0.1, 0.9, 0.2, 0.8]


def test_nothing_in_view():
    steps = np.arange(1, 11)
    assert len(envelope(steps, steps, steps * 1.0, steps * 1.0, 50, 60, 100)[0]) == 1  # the last, at the edge
    assert len(envelope(steps[:0], steps[:0], steps[:0] * 1.0, steps[:0] * 1.0, 0, 10, 100)[0]) == 0
