"""Backprop against finite differences on random networks: every activation × loss × mode,
with and without biases; plus the activations' and losses' own definitions."""

import itertools
import warnings
import zlib

import numpy as np
import pytest

from bpviz.core.fileformat import Document
from bpviz.core.functions import (
    ACTIVATION_NAMES,
    LOSS_NAMES,
    compatibility_problem,
    make_activation,
    make_loss,
    target_problem,
)
from bpviz.core.gradcheck import gradcheck
from bpviz.core.iteration.phases import phase_names, trace_step
from bpviz.core.network import Network
from bpviz.core.teach.trace import phase_json
from bpviz.core.training import Schedule

MODES = {"online": 1, "batch": 5, "minibatch": 3}  # rows a step of each mode uses here


def random_net(act: str, loss: str, biases: bool, seed: int) -> Network:
    rng = np.random.default_rng(seed)
    sizes = [3, 4, 3, 2]
    acts = [make_activation(act, slope=1.7) for _ in sizes[1:]]
    ws = [rng.uniform(-1, 1, (sizes[j + 1], sizes[j])) for j in range(3)]
    bs = [rng.uniform(-1, 1, n) for n in sizes[1:]] if biases else None
    return Network(["a", "b", "c", "d"], sizes, acts, ws, bs, True, make_loss(loss))


SQUARED = ("half_sse", "sse", "mse")
# the same activation in every layer: softmax only fits the last one, and the log losses need
# their own output activation (tested below)
UNIFORM = [a for a in ACTIVATION_NAMES if a != "softmax"]


@pytest.mark.parametrize(
    "act,loss,mode,biases",
    list(itertools.product(UNIFORM, SQUARED, MODES, (False, True))),
)
def test_backprop_matches_central_differences(act, loss, mode, biases):
    net = random_net(act, loss, biases, seed=hash((act, loss, mode, biases)) % 1000)
    rng = np.random.default_rng(7)
    m = MODES[mode]
    x = rng.uniform(-2, 2, (m, 3))
    t = rng.uniform(-1, 1, (m, 2))
    res = gradcheck(net, x, t, method="central", eps=1e-6)
    assert len(res.weights) == 3 * 4 + 4 * 3 + 3 * 2
    assert len(res.biases) == (4 + 3 + 2 if biases else 0)
    for e in res.weights + res.biases:
        # central differences are accurate to O(ε²) plus rounding ≈ 1e-16·|E|/ε; relu's kink
        # is almost surely not within ε of a random net input.
        assert e["analytic"] == pytest.approx(e["numeric"], rel=1e-5, abs=1e-7), e


def output_net(hidden: str, out: str, loss: str, biases: bool, seed: int) -> Network:
    """3-4-3-k with ``hidden`` activations and an ``out`` output layer."""
    rng = np.random.default_rng(seed)
    sizes = [3, 4, 3, 3]
    acts = [make_activation(hidden), make_activation(hidden), make_activation(out)]
    ws = [rng.uniform(-1.5, 1.5, (sizes[j + 1], sizes[j])) for j in range(3)]
    bs = [rng.uniform(-1, 1, n) for n in sizes[1:]] if biases else None
    return Network(["a", "b", "c", "d"], sizes, acts, ws, bs, True, make_loss(loss))


def classification_targets(loss: str, m: int, rng) -> np.ndarray:
    if loss == "cross_entropy":  # one-hot rows and, for the last, a distribution
        t = np.eye(3)[rng.integers(0, 3, m)]
        t[-1] = rng.dirichlet(np.ones(3))
        return t
    if loss == "binary_cross_entropy":
        return rng.uniform(0, 1, (m, 3)).round(1)
    return rng.uniform(0, 1, (m, 3))


OUTPUTS = [
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "half_sse"),
    ("softmax", "mse"),
]


@pytest.mark.parametrize(
    "hidden,out_loss,mode,biases",
    list(itertools.product(("sigmoid", "tanh", "relu"), OUTPUTS, MODES, (False, True))),
)
def test_classification_backprop_matches_central_differences(hidden, out_loss, mode, biases):
    out, loss = out_loss
    # a seed of its own for each case, the same in every run (hash() of a str is not: a ReLU
    # case now and then drew a net within eps of the kink, where central differences are wrong)
    seed = zlib.crc32(repr((hidden, out_loss, mode, biases)).encode()) % 1000
    net = output_net(hidden, out, loss, biases, seed=seed)
    rng = np.random.default_rng(11)
    m = MODES[mode]
    x = rng.uniform(-2, 2, (m, 3))
    t = classification_targets(loss, m, rng)
    assert target_problem(loss, t) is None
    res = gradcheck(net, x, t, method="central", eps=1e-6)
    assert len(res.weights) == 3 * 4 + 4 * 3 + 3 * 3
    for e in res.weights + res.biases:
        assert e["analytic"] == pytest.approx(e["numeric"], rel=1e-5, abs=1e-7), e


@pytest.mark.parametrize("out,loss", OUTPUTS[:2])
def test_fused_output_delta_is_out_minus_target(out, loss):
    """The lecture beat: with softmax + cross-entropy (or sigmoid + binary cross-entropy)
    δ of the output layer is out − target, and equals the chain rule ∂E/∂out · ∂out/∂net."""
    net = output_net("tanh", out, loss, True, seed=5)
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, (4, 3))
    t = classification_targets(loss, 4, rng)
    p = net.run(x, t)
    L = net.L
    np.testing.assert_allclose(p.delta[L], p.out[L] - t, rtol=0, atol=1e-12)
    # the long way round: ∂E/∂out through the activation's own backward (the Jacobian)
    long = net.activations[-1].backward(p.net[L], p.out[L], p.grad_out[L].copy())
    np.testing.assert_allclose(long, p.delta[L], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(p.grad_out[L], make_loss(loss).gradient(p.out[L], t), rtol=0, atol=0)


def test_softmax_rows_sum_to_one_and_survive_huge_nets():
    s = make_activation("softmax")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        o = s(np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]]))
    assert o[0].tolist() == [1.0, 0.0, 0.0]
    assert o[1].sum() == pytest.approx(1.0, abs=1e-15)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(o[1], e / e.sum(), rtol=1e-15)


def test_softmax_jacobian_matches_differences():
    s = make_activation("softmax")
    net = np.array([0.3, -1.2, 2.0, 0.1])
    o = s(net[None, :])[0]
    num = np.empty((4, 4))
    for j in range(4):
        h = np.zeros(4)
        h[j] = 1e-6
        num[:, j] = (s((net + h)[None, :])[0] - s((net - h)[None, :])[0]) / 2e-6
    np.testing.assert_allclose(s.jacobian(o), num, atol=1e-9)
    np.testing.assert_allclose(np.diag(s.jacobian(o)), s.derivative(net, o), rtol=1e-15)


def test_log_losses_by_hand():
    o = np.array([[0.7, 0.2, 0.1]])
    t = np.array([[1.0, 0.0, 0.0]])
    assert make_loss("cross_entropy").value(o, t) == pytest.approx(-np.log(0.7), rel=1e-15)
    ob, tb = np.array([[0.9], [0.2]]), np.array([[1.0], [0.0]])
    assert make_loss("binary_cross_entropy").value(ob, tb) == pytest.approx(
        -np.log(0.9) - np.log(0.8), rel=1e-14
    )
    # 0·ln 0 counts as 0: a saturated, right output costs nothing
    assert make_loss("cross_entropy").value(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])) == 0.0
    assert make_loss("binary_cross_entropy").value(np.array([[1.0]]), np.array([[1.0]])) == 0.0


def test_compatibility_and_target_rules():
    assert compatibility_problem("softmax", "cross_entropy", True, 3) is None
    assert "output layer" in compatibility_problem("softmax", "half_sse", False, 3)
    assert "at least 2" in compatibility_problem("softmax", "cross_entropy", True, 1)
    assert "softmax output" in compatibility_problem("sigmoid", "cross_entropy", True, 3)
    assert "sigmoid output" in compatibility_problem("tanh", "binary_cross_entropy", True, 1)
    assert compatibility_problem("tanh", "binary_cross_entropy", False, 4) is None  # a hidden layer
    assert compatibility_problem("sigmoid", "binary_cross_entropy", True, 1) is None
    assert target_problem("cross_entropy", np.array([[0.0, 1.0], [0.5, 0.5]])) is None
    assert "row 2" in target_problem("cross_entropy", np.array([[0.0, 1.0], [1.0, 1.0]]))
    assert "row 1" in target_problem("cross_entropy", np.array([[-0.5, 1.5]]))
    assert "row 2 has -1" in target_problem("binary_cross_entropy", np.array([[1.0], [-1.0]]))
    assert target_problem("half_sse", np.array([[-7.0]])) is None


def test_forward_differences_are_first_order():
    net = random_net("tanh", "half_sse", True, 3)
    x, t = np.array([[0.3, -0.2, 0.9]]), np.array([[0.1, -0.4]])
    c = gradcheck(net, x, t, "central", 1e-4).max_abs_diff
    f = gradcheck(net, x, t, "forward", 1e-4).max_abs_diff
    assert c < f  # O(ε²) against O(ε)
    assert f < 1e-3


def test_sigmoid_has_no_overflow_warning_and_right_limits():
    s = make_activation("sigmoid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = s(np.array([-1e6, -800.0, 0.0, 800.0, 1e6]))
    assert v.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]


@pytest.mark.parametrize("name", UNIFORM)
def test_activation_derivative_matches_difference(name):
    a = make_activation(name, slope=2.0)
    x = np.linspace(-3, 3, 13) + 0.01  # avoid relu's kink
    d = (a(x + 1e-6) - a(x - 1e-6)) / 2e-6
    assert a.derivative(x, a(x)) == pytest.approx(d, abs=1e-6)


def test_linear_slope_and_identity():
    assert make_activation("linear", 2.0)(np.array([3.0])).tolist() == [6.0]
    assert make_activation("linear")(np.array([3.0])).tolist() == [3.0]
    assert make_activation("identity")(np.array([-3.0])).tolist() == [-3.0]
    assert make_activation("relu")(np.array([-3.0, 2.0])).tolist() == [0.0, 2.0]


def test_losses_as_format_md_defines_them():
    o = np.array([[0.5, 1.0], [0.0, 2.0]])
    t = np.array([[1.0, 1.0], [1.0, 0.0]])
    # (t − o)² = 0.25, 0, 1, 4 → Σ = 5.25
    assert make_loss("half_sse").value(o, t) == pytest.approx(2.625)
    assert make_loss("sse").value(o, t) == pytest.approx(5.25)
    assert make_loss("mse").value(o, t) == pytest.approx(5.25 / 4)
    for name in SQUARED:
        loss = make_loss(name)
        assert loss.terms(o, t).sum() == pytest.approx(loss.value(o, t))
    p, q = np.array([[0.5, 0.25, 0.25]]), np.array([[0.0, 1.0, 0.0]])
    for name in ("cross_entropy", "binary_cross_entropy"):
        loss = make_loss(name)
        assert loss.terms(p, q).sum() == pytest.approx(loss.value(p, q))


def test_float64_throughout():
    net = Network(["i", "o"], [2, 1], [make_activation("sigmoid")], [[[1, 2]]], [[0]])
    assert net.weights[0].dtype == np.float64 and net.biases[0].dtype == np.float64
    assert net.forward(np.array([[1, 1]], dtype=np.float32)).out[1].dtype == np.float64


def test_phase_list_shape():
    net = random_net("sigmoid", "half_sse", True, 1)
    doc = Document(net, np.zeros((2, 3)), np.zeros((2, 2)))
    tr = trace_step(doc, [0, 1])
    names = [p.name for p in tr.phases]
    assert len(names) == 5 * net.L + 3
    assert names == phase_names(net)
    assert names[:3] == ["input", "net:b", "out:b"]
    assert names[7:10] == ["error", "grad_out:d", "delta:d"]
    assert names[-4:] == ["grad_out:b", "delta:b", "grad:b", "update"]
    for i, p in enumerate(tr.phases):
        j = phase_json(p)
        assert j["index"] == i
        assert set(j) >= {
            "index",
            "name",
            "kind",
            "layer",
            "direction",
            "title",
            "formula",
            "neurons",
            "edges",
            "values",
        }
        assert j["direction"] in ("forward", "backward", None)
        assert "\n" not in j["title"] and "\n" not in j["formula"]
    grad_c = tr.phases[names.index("grad:c")]
    assert grad_c.edges == [[1, r, c] for r in range(3) for c in range(4)]
    assert grad_c.direction == "backward"
    assert all(len(e["value"]) == 2 for e in tr.phases[1].values)  # per sample in a batch


def test_phases_reveal_exactly_the_pass():
    net = random_net("tanh", "mse", True, 2)
    rng = np.random.default_rng(0)
    doc = Document(net, rng.normal(size=(3, 3)), rng.normal(size=(3, 2)), learning_rate=0.1)
    tr = trace_step(doc, [0, 2])
    p = tr.p
    byname = {ph.name: ph for ph in tr.phases}
    for k, name in enumerate(net.names[1:], 1):
        got = np.array([e["value"] for e in byname[f"net:{name}"].values]).T
        np.testing.assert_array_equal(got, p.net[k])
        got = np.array([e["value"] for e in byname[f"delta:{name}"].values if e["quantity"] == "delta"]).T
        np.testing.assert_array_equal(got, p.delta[k])
    upd = [e for e in byname["update"].values if e["quantity"] == "weight"]
    assert [e["value"] for e in upd] == np.concatenate([w.ravel() for w in tr.weights_after]).tolist()


def test_minibatch_schedule():
    s = Schedule(5, "minibatch", batch_size=2)
    assert [s.rows(i).tolist() for i in range(4)] == [[0, 1], [2, 3], [4], [0, 1]]
    a = Schedule(6, "minibatch", batch_size=3, shuffle_seed=4)
    rng = np.random.default_rng(4)
    p1, p2 = rng.permutation(6), rng.permutation(6)
    got = [a.rows(i).tolist() for i in range(4)]
    assert got == [p1[:3].tolist(), p1[3:].tolist(), p2[:3].tolist(), p2[3:].tolist()]
    assert Schedule(4, "online").rows(5).tolist() == [1]
    assert Schedule(4, "batch").rows(5).tolist() == [0, 1, 2, 3]
    assert Schedule(4, "batch", sample=2).rows(0).tolist() == [2]


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_per_sample_error_is_each_row_as_a_step_of_its_own(loss):
    rng = np.random.default_rng(3)
    out, t = rng.random((5, 3)), rng.random((5, 3))
    if loss == "cross_entropy":
        t /= t.sum(axis=1, keepdims=True)
    f = make_loss(loss)
    per = f.per_sample(out, t)
    assert per == pytest.approx([f.value(out[r : r + 1], t[r : r + 1]) for r in range(5)], rel=1e-12)


def test_fused_delta_stays_finite_where_an_output_saturates():
    """e^(−800) underflows to an out of exactly 0: −t/out is −inf, yet δ = out − target is exact."""
    net = Network(
        ["i", "o"],
        [1, 2],
        [make_activation("softmax")],
        [[[400.0], [-400.0]]],
        None,
        True,
        make_loss("cross_entropy"),
    )
    p = net.run(np.array([[1.0]]), np.array([[0.0, 1.0]]))
    assert p.out[1].tolist() == [[1.0, 0.0]]
    assert p.delta[1].tolist() == [[1.0, -1.0]]
    assert p.error == np.inf  # −ln 0: said, not hidden


def test_derived_features_expand_raw_rows():
    net = Network(
        ["x", "y"],
        [5, 1],
        [make_activation("identity")],
        [[[1.0, 10.0, 100.0, 1000.0, 10000.0]]],
        None,
        True,
        make_loss("half_sse"),
        features=("x1^2", "x1*x2", "sin(x2)"),
    )
    assert net.n_raw == 2
    assert net.labels.neurons[0] == ["x1", "x2", "x1²", "x1·x2", "sin x2"]
    p = net.forward(np.array([[2.0, 3.0]]))
    np.testing.assert_array_equal(p.out[0], [[2.0, 3.0, 4.0, 6.0, np.sin(3.0)]])
    assert p.out[1][0, 0] == pytest.approx(2 + 30 + 400 + 6000 + 10000 * np.sin(3.0))
    # rows already expanded pass through unchanged; a copy keeps the features
    assert net.copy().features == net.features
    np.testing.assert_array_equal(net.expand(p.out[0]), p.out[0])
    with pytest.raises(ValueError, match="uses input 3"):
        Network(["x", "y"], [3, 1], [make_activation("identity")], [[[1.0, 1.0, 1.0]]], features=("x3^2",))
