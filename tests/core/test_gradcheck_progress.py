"""bpviz.core.gradcheck on big networks: a progress callback that sees every parameter counted
and can stop the check; the old calls (the window's Gradient check tab) work unchanged."""

from __future__ import annotations

import pytest

from bpviz.core.gradcheck import GradCheckStopped, gradcheck, numeric_gradients
from bpviz.core.presets import load_preset


@pytest.fixture
def xor():
    doc = load_preset("xor")
    return doc.network, doc.inputs, doc.targets


def n_params(net) -> int:
    return sum(w.size for w in net.weights) + (0 if net.biases is None else sum(b.size for b in net.biases))


def test_progress_counts_every_weight_then_every_bias(xor):
    net, x, t = xor
    calls = []
    res = gradcheck(net, x, t, progress=lambda d, n: calls.append((d, n)), progress_interval=0)
    total = n_params(net)
    assert calls == [(d, total) for d in range(1, total + 1)]
    assert res.to_json() == gradcheck(net, x, t).to_json()  # the same numbers with or without


def test_progress_is_called_at_the_end_however_rarely(xor):
    net, x, t = xor
    calls = []
    gradcheck(net, x, t, progress=lambda d, n: calls.append(d), progress_interval=3600)
    assert calls == [n_params(net)]


def test_a_progress_callback_that_returns_false_stops_the_check(xor):
    net, x, t = xor
    before = [w.copy() for w in net.weights]
    with pytest.raises(GradCheckStopped) as e:
        gradcheck(net, x, t, progress=lambda d, n: d < 3, progress_interval=0)
    assert (e.value.done, e.value.total) == (3, n_params(net))
    assert "3 of" in str(e.value)
    assert all((a == b).all() for a, b in zip(before, net.weights, strict=True))  # a copy was perturbed


def test_numeric_gradients_takes_the_same_callback_and_keeps_its_old_signature(xor):
    net, x, t = xor
    params = [("w", 0, (0, 0)), ("w", 1, (0, 1)), ("b", 0, 1)]
    old = numeric_gradients(net, x, t, params, "central", 1e-6)  # as the Gradient check tab calls it
    seen = []
    new = numeric_gradients(
        net, x, t, params, "central", 1e-6, progress=lambda d, n: seen.append((d, n)), progress_interval=0
    )
    assert new == old and seen == [(1, 3), (2, 3), (3, 3)]
    with pytest.raises(GradCheckStopped):
        numeric_gradients(net, x, t, params, progress=lambda d, n: False, progress_interval=0)


def test_a_keyboard_interrupt_from_the_callback_goes_through(xor):
    net, x, t = xor

    def interrupt(d, n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        gradcheck(net, x, t, progress=interrupt, progress_interval=0)
