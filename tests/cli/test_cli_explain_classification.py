"""`bpviz trace` and `bpviz explain` of a classification network (a file with a softmax output
layer, cross-entropy and derived input features): both read the same phase list, both say
δ = out − target, and explain names the loss."""

from __future__ import annotations

import numpy as np
import pytest
from cli_test_helpers import run_cli, strict_json

from bpviz.core import fileformat
from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network
from bpviz.core.numbers import fmt


@pytest.fixture
def softmax_file(tmp_path):
    rng = np.random.default_rng(5)
    net = Network(
        ["x", "h", "o"],
        [3, 3, 2],
        [make_activation("tanh"), make_activation("softmax")],
        [rng.uniform(-1, 1, (3, 3)), rng.uniform(-1, 1, (2, 3))],
        [rng.uniform(-0.5, 0.5, 3), rng.uniform(-0.5, 0.5, 2)],
        True,
        make_loss("cross_entropy"),
        features=("x1*x2",),
    )
    doc = Document(net, np.array([[2.0, -0.5], [1.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]))
    path = tmp_path / "soft.bpviz.json"
    fileformat.save(doc, path)
    return str(path), net


def test_trace_writes_the_beat_and_the_derived_input(softmax_file, capsys):
    path, net = softmax_file
    code, out, err = run_cli(capsys, "trace", path)
    assert code == 0, err
    p = net.run(np.array([[2.0, -0.5]]), np.array([[0.0, 1.0]]))
    o = p.out[2][0]
    assert "x1·x2 = x1·x2 = 2 × (−0.5) = −1" in out
    assert f"= out_o2 − target_o2 = {fmt(o[1])} − 1 = {fmt(o[1] - 1).replace('-', '−')}" in out
    assert "(out − target: the chain rule collapses)" in out
    assert "Why is δ = out − target?" in out


def test_trace_json_carries_the_jacobian(softmax_file, capsys):
    path, _ = softmax_file
    code, out, err = run_cli(capsys, "trace", path, "--json")
    assert code == 0, err
    data = strict_json(out)
    delta = next(ph for ph in data["phases"] if ph["name"] == "delta:o")
    q = [v["quantity"] for v in delta["values"]]
    assert q.count("jacobian") == 4 and q.count("delta") == 2 and "fprime" not in q
    o = data["layers"][2]["out"][0]
    j12 = next(v for v in delta["values"] if v["symbol"] == "∂out_o1/∂net_o2")
    assert j12["value"] == [pytest.approx(-o[0] * o[1], abs=1e-15)]


@pytest.mark.parametrize("form", ["md", "html", "tex"])
def test_explain_names_the_loss_and_the_beat(softmax_file, capsys, form):
    path, _ = softmax_file
    code, out, err = run_cli(capsys, "explain", path, "--format", form)
    assert code == 0, err
    assert "The error is cross-entropy" in out
    assert "everything but its output and its target cancels" in out
    assert "the targets sum to 1" in out
