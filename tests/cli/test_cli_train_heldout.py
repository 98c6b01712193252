"""bpviz train's held-out keys (CLI.md): accuracy, test_accuracy, final_test_error and
test_error_history — the test error of the test rows only, at the steps it says."""

from __future__ import annotations

import json
import math

import pytest
from cli_test_helpers import run_cli, strict_json, write

from bpviz.core import fileformat
from bpviz.core.training import Trainer, test_error


def _circle_path() -> str:
    return str(fileformat.__file__).replace("bpviz/core/fileformat.py", "resources/presets/circle.bpviz.json")


def test_train_json_gives_test_history_at_the_steps_it_names(capsys):
    path = _circle_path()
    code, out, err = run_cli(capsys, "train", path, "--steps", "2500", "--json")
    assert code == 0, err
    d = strict_json(out)
    hist = d["test_error_history"]
    steps = [s for s, _ in hist]
    # k = 2500 // 1000 = 2: steps 2, 4, …, 2500, counted from 1
    assert steps == list(range(2, 2501, 2))
    doc = fileformat.load(path)
    t = Trainer(doc)
    t.run(max_steps=700)
    assert hist[349] == [700, t.test_error()]
    t.run(max_steps=1800)
    assert d["final_test_error"] == t.test_error() == hist[-1][1]
    assert d["accuracy"] == t.accuracy() and 0.9 <= d["accuracy"] <= 1.0
    assert d["test_accuracy"] == t.test_accuracy() and 0.5 < d["test_accuracy"] <= 1.0
    # the test rows only: the same weights on the training rows give another number
    train_only = fileformat.load(path)
    train_only.network = t.network
    train_only.test_inputs, train_only.test_targets = train_only.inputs, train_only.targets
    assert test_error(train_only) != pytest.approx(d["final_test_error"], rel=1e-3)


def test_train_json_without_test_rows_says_null(capsys):
    code, out, _ = run_cli(capsys, "train", "mazur", "--steps", "10", "--json")
    assert code == 0
    d = strict_json(out)
    assert d["test_error_history"] is None
    assert d["final_test_error"] is None
    assert d["test_accuracy"] is None
    assert d["accuracy"] is None  # squared error with a sigmoid output and targets 0.01, 0.99


def test_train_text_line_names_the_test_error_and_accuracy(capsys):
    code, out, _ = run_cli(capsys, "train", _circle_path(), "--steps", "50")
    assert code == 0
    assert "; test error " in out and "; accuracy " in out and "(test " in out
    code, out, _ = run_cli(capsys, "train", "mazur", "--steps", "5")
    assert "test" not in out and "accuracy" not in out


def test_train_json_softmax_test_rows(tmp_path, capsys):
    obj = {
        "format": "bpviz/1",
        "layers": [{"name": "x", "size": 2}, {"name": "o", "size": 3, "activation": "softmax"}],
        "loss": "cross_entropy",
        "init": {"seed": 1},
        "biases": "init",
        "learning_rate": 0.5,
        "mode": "batch",
        "data": {
            "inputs": [[0, 0], [1, 0], [0, 1]],
            "targets": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
            "test": {"inputs": [[0.1, 0.0], [0.9, 0.1]], "targets": [[1, 0, 0], [0, 1, 0]]},
        },
    }
    code, out, err = run_cli(capsys, "train", write(tmp_path / "s.json", obj), "--steps", "3", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert [s for s, _ in d["test_error_history"]] == [1, 2, 3]
    assert all(math.isfinite(e) for _, e in d["test_error_history"])
    assert d["test_accuracy"] in (0.0, 0.5, 1.0)


def test_xor_has_an_accuracy_sigmoid_with_zero_one_targets(capsys):
    """CLI.md: a sigmoid output whose targets are all 0 or 1 is a classification network."""
    code, out, _ = run_cli(capsys, "train", "xor", "--steps", "20000", "--json")
    d = strict_json(out)
    assert d["accuracy"] == 1.0
    assert d["test_accuracy"] is None and d["test_error_history"] is None
