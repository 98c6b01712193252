"""Momentum in one iteration: the trace, the update phase's equations and values, and the
step-back store.

Every equation the update phase writes with α > 0 (v⁺ = α·v + ∂E/∂w, then w⁺ = w − η·v⁺,
per weight and trained bias) evaluates to the number it prints; chained traces are the
trainer's steps bit for bit; the step-back store keeps and replays the velocity exactly,
within its budget.
"""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core import momentum
from bpviz.core.expr import Eq
from bpviz.core.iteration import chain as C
from bpviz.core.iteration.phases import trace_step
from bpviz.core.iteration.step_history import StepHistory
from bpviz.core.numbers import fmt
from bpviz.core.presets import load_preset
from bpviz.core.teach import render
from bpviz.core.teach.trace import formula_text, lines_text, trace_json
from bpviz.core.training import Trainer
from tests.core.test_momentum import MODES, document

ALPHA = 0.9


def check(e: Eq) -> None:
    """Every part evaluates to the result and every medium prints it (as the classification
    phases' test does)."""
    assert e.result is not None, render.text(e)
    for v in e.values():
        assert abs(v - e.result) <= 1e-12 * max(1.0, abs(e.result)), (render.text(e), v, e.result)
    printed = fmt(e.result).replace("-", "−")
    assert render.text(e).endswith(printed + ("  (" + e.note + ")" if e.note else ""))
    assert printed in render.html(e)


def velocity_of(doc, seed: int = 5) -> momentum.Velocity:
    rng = np.random.default_rng(seed)
    v = momentum.zeros(doc.network)
    for a in (*v.weights, *(v.biases or ())):
        a[...] = rng.uniform(-0.2, 0.2, a.shape)
    return v


@pytest.mark.parametrize("biases", ["trained", "fixed", "none"])
@pytest.mark.parametrize("mode", MODES)
def test_every_update_equation_evaluates_to_the_number_it_prints(mode, biases):
    doc = document(mode, biases)
    rows = Trainer(doc).schedule.rows(0)
    v = velocity_of(doc)
    tr = trace_step(doc, rows, momentum=ALPHA, velocity=v)
    c = C.Chain(tr)
    net = tr.network
    for j in range(net.L):
        for r in range(net.sizes[j + 1]):
            for col in range(net.sizes[j]):
                ve, ue = C.velocity_eq(c, j, r, col), C.update_eq(c, j, r, col)
                check(ve)
                check(ue)
                expect_v = ALPHA * v.weights[j][r, col] + tr.p.grad_w[j][r, col]
                assert ve.result == expect_v == tr.velocity_after.weights[j][r, col]
                assert ue.result == tr.weights_after[j][r, col] == net.weights[j][r, col] - 0.3 * expect_v
                assert "α·v_" in render.text(ve) and "η·v_" in render.text(ue)
        if net.biases is not None:
            for i in range(net.sizes[j + 1]):
                be, bu = C.bias_velocity_eq(c, j, i), C.bias_update_eq(c, j, i)
                check(bu)
                if biases == "trained":
                    check(be)
                    assert be.result == ALPHA * v.biases[j][i] + tr.p.grad_b[j][i]
                else:  # fixed: the bias and its velocity stay
                    assert be.note == bu.note == "fixed"
                    assert tr.velocity_after.biases[j][i] == v.biases[j][i]
    ph = tr.phases[-1]
    eqs = [x for x in ph.computations if isinstance(x, Eq)]
    n_w = sum(w.size for w in net.weights)
    n_b = 0 if net.biases is None else sum(b.size for b in net.biases)
    assert len(eqs) == 2 * n_w + (2 * n_b if biases == "trained" else n_b)
    for e in eqs:
        check(e)
    lines = lines_text(ph)
    assert lines[0].startswith("v_") and " = 0.9 × " in lines[0]  # v_w⁺ = 0.9 × v + ∂E/∂w = …
    assert lines[1].startswith(net.labels.weights[0][0][0] + "⁺ = ")
    assert "α = 0.9" in formula_text(ph) and "momentum" in ph.title
    for e in ph.equations:
        if isinstance(e, Eq):
            assert len(set(np.round(e.values(), 9))) == 1, render.text(e)


def test_update_values_and_json_carry_the_velocity():
    doc = load_preset("mazur")
    v = velocity_of(doc)
    tr = trace_step(doc, [0], momentum=ALPHA, velocity=v)
    vals = [e for e in tr.phases[-1].values if e["quantity"] == "velocity"]
    assert len(vals) == 8 and vals[4]["symbol"] == "v_w5"
    assert vals[4]["old"] == v.weights[1][0, 0]
    assert vals[4]["value"] == tr.velocity_after.weights[1][0, 0]
    fixed = [e for e in tr.phases[-1].values if e["quantity"] == "bias_velocity"]
    assert len(fixed) == 4 and not fixed[0]["trained"] and fixed[0]["old"] == fixed[0]["value"]
    obj = trace_json(tr)
    assert obj["momentum"] == ALPHA
    assert obj["velocity_after"]["weights"][1][0][0] == tr.velocity_after.weights[1][0, 0]
    plain = trace_step(doc, [0])  # α = 0: no velocity anywhere, today's phase
    assert plain.velocity is None and plain.velocity_after is None
    assert not [e for e in plain.phases[-1].values if "velocity" in e["quantity"]]
    assert "momentum" not in trace_json(plain) and "momentum" not in plain.phases[-1].title


def test_the_first_step_is_plain_and_zero_alpha_is_todays_trace():
    doc = load_preset("mazur")
    first = trace_step(doc, [0], momentum=ALPHA)  # v starts at 0
    plain = trace_step(doc, [0], momentum=0.0)
    for a, b in zip(first.weights_after, plain.weights_after, strict=True):
        assert np.array_equal(a, b)
    assert "0.9 × 0 + 0.082167041 = 0.082167041" in "\n".join(lines_text(first.phases[-1]))


@pytest.mark.parametrize("mode", MODES)
def test_chained_traces_are_the_trainers_steps_bit_for_bit(mode):
    doc = document(mode, "trained")
    t = Trainer(doc)
    net, vel = doc.network.copy(), None
    for s in range(40):
        tr = trace_step(doc, t.next_rows(), network=net, momentum=doc.momentum, velocity=vel)
        t.run(max_steps=1)
        assert tr.error == t.error_history[-1]
        net.set_parameters(tr.weights_after, tr.biases_after)
        vel = tr.velocity_after
        for a, b in zip(
            [*net.weights, *net.biases, *vel.weights, *vel.biases],
            [*t.network.weights, *t.network.biases, *t.velocity.weights, *t.velocity.biases],
            strict=True,
        ):
            assert np.array_equal(a, b), s


def test_step_history_keeps_and_replays_the_velocity_within_its_budget():
    doc = document("minibatch", "trained")
    sched = Trainer(doc).schedule

    def advance(step, w, b, ctx, v):
        net = doc.network.copy()
        net.set_parameters(w, b)
        tr = trace_step(doc, sched.rows(step), network=net, momentum=ctx, velocity=v)
        return tr.weights_after, tr.biases_after, tr.velocity_after

    n_params = sum(w.size for w in doc.network.weights) + sum(b.size for b in doc.network.biases)
    store = StepHistory(advance, budget=12 * 8 * n_params, velocity=True)
    net, vel, seen = doc.network.copy(), None, []
    for s in range(60):
        alpha = 0.0 if s < 5 else ALPHA  # a plain start, then momentum (v from 0)
        store.push(s, net.weights, net.biases, alpha, vel)
        seen.append((momentum.copy(vel), [w.copy() for w in net.weights]))
        w, b, vel = advance(s, net.weights, net.biases, alpha, vel)
        net.set_parameters(w, b)
        assert store.nbytes <= store.budget
    assert store.state_nbytes == 2 * 8 * n_params  # counted with its velocity
    assert store.replays == 0
    for s in (59, 40, 33, 6, 5, 3):
        st = store.state_at(s)
        v, w = seen[s]
        assert all(np.array_equal(a, b) for a, b in zip(st.weights, w, strict=True))
        if v is None:
            assert st.velocity is None
        else:
            assert all(np.array_equal(a, b) for a, b in zip(st.velocity.weights, v.weights, strict=True))
            assert all(np.array_equal(a, b) for a, b in zip(st.velocity.biases, v.biases, strict=True))
        assert store.nbytes <= store.budget
    assert store.replays > 0  # some were replayed, velocity and all
    with pytest.raises(ValueError, match="velocity=True"):
        StepHistory(advance).push(0, net.weights, net.biases, None, vel)


def test_the_inspector_writes_the_velocity_before_the_update_and_hides_it_until_then():
    from bpviz.core.iteration.reveal import Revealed
    from bpviz.core.teach.selection import Explainer
    from tests.core.iteration.test_classification_phases import plain

    doc = load_preset("xor")
    v = velocity_of(doc)
    tr = trace_step(doc, [0, 1, 2, 3], momentum=ALPHA, velocity=v)
    last = len(tr.phases) - 1
    edge = plain(Explainer(tr, Revealed(tr.phases, last)).edge(1, 0, 0))
    va = tr.velocity_after.weights[1][0, 0]
    assert "Update with momentum (α = 0.9, η = 2)" in edge
    assert f"= {fmt(v.weights[1][0, 0])}" in edge or fmt(v.weights[1][0, 0]).replace("-", "−") in edge
    assert fmt(va).replace("-", "−") in edge
    assert edge.index("α·v") < edge.index("η·v")  # the velocity first, then the weight
    early = plain(Explainer(tr, Revealed(tr.phases, 1)).edge(1, 0, 0))
    assert fmt(va).replace("-", "−") not in early and "?" in early
    bias = plain(Explainer(tr, Revealed(tr.phases, last)).bias(0, 1))
    assert fmt(tr.velocity_after.biases[0][1]).replace("-", "−") in bias and "α·v" in bias
