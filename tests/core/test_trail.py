"""The path training took (issue 16, item 4): the trail stays within its byte budget however
long the run, thins by halving (evenly, from the start), projects any two parameters, starts
again from a step taken back, and declines a network too large to record."""

from __future__ import annotations

import numpy as np

from bpviz.core.trail import MIN_STATES, Trail


def params(step: int):
    w = [np.full((4, 3), 0.5), np.full((2, 4), -0.25)]
    b = [np.zeros(4), np.zeros(2)]
    w[0][1, 2] = step
    w[1][1, 3] = 2.0 * step
    b[1][0] = -step
    return w, b


def test_the_budget_holds_and_the_path_thins_evenly():
    budget = 40_000
    tr = Trail(budget=budget)
    for s in range(20_000):
        assert tr.record(s, *params(s))
        assert tr.nbytes <= budget
    steps, vals = tr.project([("edge", (0, 1, 2)), ("edge", (1, 1, 3)), ("bias", (1, 0))])
    assert steps[0] == 0 and steps[-1] == 19_999  # the start and the latest always kept
    assert np.array_equal(vals[:, 0], steps) and np.array_equal(vals[:, 1], 2.0 * steps)
    assert np.array_equal(vals[:, 2], -steps)
    gaps = np.diff(steps[:-1])
    assert len(set(gaps.tolist())) == 1 and gaps[0] == tr.stride  # evenly, by halving
    assert tr.count > tr.capacity_for(23) // 2 - 1  # at least half the budget in use


def test_a_step_back_or_a_reset_starts_the_path_again():
    tr = Trail()
    for s in range(10):
        tr.record(s, *params(s))
    tr.record(4, *params(40))  # an edited weight at step 4 (or a step back to it)
    steps, vals = tr.project([("edge", (0, 1, 2))])
    assert steps.tolist() == [0, 1, 2, 3, 4] and vals[-1, 0] == 40
    tr.record(0, *params(0))  # a reset
    assert tr.steps.tolist() == [0]


def test_projection_up_to_a_step_and_a_new_structure_clears():
    tr = Trail()
    for s in range(6):
        tr.record(s, *params(s))
    steps, _ = tr.project([("edge", (0, 0, 0))], until=3)
    assert steps.tolist() == [0, 1, 2, 3]
    tr.record(0, [np.zeros((2, 2))], None)  # another network
    assert tr.steps.tolist() == [0]
    assert tr.project([("edge", (0, 1, 1))])[1].shape == (1, 1)


def test_a_network_too_large_is_not_recorded():
    budget = MIN_STATES * 8 * 101  # MIN_STATES states of 100 parameters (and their steps)
    tr = Trail(budget=budget)
    assert tr.record(0, [np.zeros((10, 10))], None)
    assert not tr.record(0, [np.zeros((10, 11))], None)
    assert tr.too_large and tr.count == 0
    big = Trail()  # 784-128-10 with biases: 20 states fit 16 MB
    assert big.record(0, [np.zeros((128, 784)), np.zeros((10, 128))], [np.zeros(128), np.zeros(10)])
    assert big.capacity_for(101_908) == 20
