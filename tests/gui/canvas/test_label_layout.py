"""The label layout (Qt-free): labels go to their first free candidate, never overlap an
obstacle or one another, stay in bounds, and are dropped when no candidate is free."""

import random

from bpviz.gui.canvas.label_layout import Box, Label, along, around, overlaps, place


def test_first_free_candidate_wins_and_obstacles_are_avoided():
    obstacles = {"n": Box(0, 0, 10, 10)}
    lab = Label("a", 5, 5, [(2, 2), (20, 0), (40, 0)])
    got = place([lab], obstacles)
    assert got.placed == {"a": (20, 0)} and got.dropped == []


def test_a_label_may_cover_what_it_ignores():
    got = place([Label("name", 4, 4, [(3, 3)], frozenset({"n"}))], {"n": Box(0, 0, 10, 10)})
    assert got.placed == {"name": (3, 3)}


def test_later_labels_avoid_earlier_ones_and_are_dropped_without_room():
    labels = [Label(i, 10, 10, [(0, 0), (5, 0)]) for i in range(3)]
    got = place(labels, {}, Box(0, 0, 100, 100))
    assert got.placed == {0: (0, 0)}
    assert got.dropped == [1, 2]


def test_bounds_keep_labels_inside():
    got = place([Label("a", 10, 10, [(95, 0), (50, 0)])], {}, Box(0, 0, 100, 100))
    assert got.placed == {"a": (50, 0)}


def test_random_scenes_never_overlap():
    rng = random.Random(4)
    for _ in range(200):
        obstacles = {("o", i): Box(rng.uniform(0, 300), rng.uniform(0, 300), 20, 20) for i in range(8)}
        labels = []
        for i in range(25):
            w, h = rng.uniform(5, 60), rng.uniform(5, 30)
            cx, cy = rng.uniform(0, 300), rng.uniform(0, 300)
            labels.append(
                Label(
                    i,
                    w,
                    h,
                    around(cx, cy, 10, w, h, 2) + along(cx, cy, cx + 100, cy + 50, w, h, [0.3, 0.5, 0.7]),
                )
            )
        bounds = Box(0, 0, 320, 320)
        got = place(labels, obstacles, bounds, tol=0.0)
        assert len(got.placed) + len(got.dropped) == 25
        boxes = [Box(x, y, labels[k].w, labels[k].h) for k, (x, y) in got.placed.items()]
        for i, a in enumerate(boxes):
            assert a.x >= 0 and a.y >= 0 and a.right <= 320 and a.bottom <= 320
            assert not any(overlaps(a, b, 0.0) for b in boxes[i + 1 :])
            assert not any(overlaps(a, o, 0.0) for o in obstacles.values())


def test_around_puts_the_box_beside_the_circle():
    ((x, y),) = around(100, 100, 20, 30, 10, 3, "below")
    assert (x, y) == (85, 123)
    ((x, y),) = around(100, 100, 20, 30, 10, 3, "right")
    assert (x, y) == (123, 95)


def test_crossings_of_many_boxes_equal_each_box_counted_alone():
    import numpy as np

    from bpviz.gui.canvas.geometry import crossings, crossings_many

    rng = np.random.default_rng(4)
    segs = rng.uniform(0, 100, (40, 4))
    segs[3, 2] = segs[3, 0]  # a vertical and a horizontal segment (p = 0 in Liang–Barsky)
    segs[5, 3] = segs[5, 1]
    xs, ys = rng.uniform(0, 90, 30), rng.uniform(0, 90, 30)
    many = crossings_many(segs, xs, ys, 12.0, 7.0)
    for k in range(30):
        x0, y0, x1, y1 = xs[k], ys[k], xs[k] + 12.0, ys[k] + 7.0
        inside = 0
        for sx0, sy0, sx1, sy1 in segs:  # sample each segment densely: does it enter the box?
            t = np.linspace(0, 1, 4001)
            px, py = sx0 + (sx1 - sx0) * t, sy0 + (sy1 - sy0) * t
            inside += bool(np.any((px >= x0) & (px <= x1) & (py >= y0) & (py <= y1)))
        assert many[k] == inside == crossings(segs, xs[k], ys[k], 12.0, 7.0)
    assert crossings_many(segs[:0], xs, ys, 1.0, 1.0).tolist() == [0] * 30
