"""The bpviz/1 keys of issue 14: ``features``, ``data.classes``, ``data.test``,
``data.generator``, the softmax output and the cross-entropy losses — round trips, the files
without them unchanged, and refusals that name the JSON path."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from bpviz.core import limits
from bpviz.core.datasets import generate_spec
from bpviz.core.fileformat import Document, FormatError, dumps, loads, parse, to_json
from bpviz.core.presets import PRESETS, preset_path

OLD_PRESETS = ("mazur", "swap", "linear", "xor", "xor-deep")


def base() -> dict:
    """2 raw inputs + x1*x2 → 3 tanh → 2 softmax, cross-entropy, with every new key."""
    return {
        "format": "bpviz/1",
        "title": "t",
        "layers": [
            {"name": "x", "size": 3},
            {"name": "h", "size": 3, "activation": "tanh"},
            {"name": "y", "size": 2, "activation": "softmax"},
        ],
        "features": ["x1*x2"],
        "weights": [
            [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9]],
            [[0.25, -0.5, 0.75], [-0.125, 0.5, 1.0]],
        ],
        "biases": [[0.0, 0.1, -0.1], [0.2, -0.2]],
        "loss": "cross_entropy",
        "learning_rate": 0.1,
        "mode": "batch",
        "data": {
            "inputs": [[0.5, -1.0], [1.5, 2.0], [-0.25, 0.75]],
            "targets": [[1.0, 0.0], [0.0, 1.0], [0.3, 0.7]],
            "classes": ["left", "right"],
            "test": {"inputs": [[0.0, 1.0], [2.0, -3.0]], "targets": [[0.0, 1.0], [1.0, 0.0]]},
        },
    }


def refused(obj) -> FormatError:
    with pytest.raises(FormatError) as e:
        loads(json.dumps(obj))
    msg = str(e.value)
    assert msg and "\n" not in msg
    return e.value


# ------------------------------------------------------------------------------ loading
def test_every_new_key_loads():
    doc = parse(base())
    net = doc.network
    assert net.features == ("x1*x2",) and net.n_raw == 2 and net.sizes[0] == 3
    assert net.labels.neurons[0] == ["x1", "x2", "x1·x2"]  # features.label
    assert net.labels.weights[0][0][2] == "w(h1,x1·x2)"
    assert net.activations[-1].name == "softmax" and net.loss.name == "cross_entropy"
    assert doc.inputs.shape == (3, 2) and doc.targets.shape == (3, 2)
    assert doc.classes == ["left", "right"] and doc.n_test == 2
    assert doc.test_inputs.tolist() == [[0.0, 1.0], [2.0, -3.0]]
    assert doc.test_targets.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    assert doc.generator is None and "features" not in doc.extra


def test_a_file_without_the_new_keys_has_none_of_them():
    obj = base()
    del obj["features"], obj["data"]["classes"], obj["data"]["test"]
    obj["layers"][0]["size"] = 2
    obj["weights"][0] = [r[:2] for r in obj["weights"][0]]
    doc = parse(obj)
    assert doc.network.features == () and doc.classes is None and doc.generator is None
    assert doc.test_inputs.shape == (0, 2) and doc.test_targets.shape == (0, 2) and doc.n_test == 0
    out = to_json(doc)
    assert "features" not in out and set(out["data"]) == {"inputs", "targets"}


@pytest.mark.parametrize("name", OLD_PRESETS)
def test_old_files_write_no_new_key_and_round_trip_byte_for_byte(name):
    text = preset_path(name).read_text(encoding="utf-8")
    doc = loads(text)
    assert doc.network.features == () and doc.classes is None and doc.n_test == 0 and doc.generator is None
    saved = dumps(doc)
    obj = json.loads(saved)
    assert "features" not in obj and set(obj["data"]) == {"inputs", "targets"}
    assert dumps(loads(saved)) == saved


def test_round_trip_of_every_new_key():
    obj = base()
    made = generate_spec({"name": "moons", "samples": 10, "seed": 4}, 2, 2)
    obj["data"]["generator"] = {"name": "moons", "samples": 10, "seed": 4}  # filled in on load
    doc = parse(obj)
    assert doc.generator == made.spec
    text = dumps(doc)
    saved = json.loads(text)
    assert saved["features"] == ["x1*x2"]
    assert list(saved["data"]) == ["inputs", "targets", "classes", "test", "generator"]
    assert saved["data"]["classes"] == ["left", "right"]
    assert saved["data"]["test"] == obj["data"]["test"]
    assert saved["data"]["generator"] == made.spec
    again = loads(text)
    assert dumps(again) == text  # a fixed point
    for a, b in (
        (again.test_inputs, doc.test_inputs),
        (again.test_targets, doc.test_targets),
        (again.inputs, doc.inputs),
    ):
        assert a.tobytes() == b.tobytes()
    assert again.network.labels == doc.network.labels and again.network.features == doc.network.features
    assert '"classes": ["left", "right"]' in text  # a row of labels on one line


def test_copy_copies_the_new_fields():
    doc = parse(base() | {"data": base()["data"] | {"generator": {"name": "circle"}}})
    c = doc.copy()
    assert c.classes == doc.classes and c.classes is not doc.classes
    assert c.generator == doc.generator and c.generator is not doc.generator
    assert np.array_equal(c.test_inputs, doc.test_inputs) and c.test_inputs is not doc.test_inputs
    assert np.array_equal(c.test_targets, doc.test_targets) and c.test_targets is not doc.test_targets
    assert c.network.features == doc.network.features
    c.test_inputs[0, 0] = 9.0
    assert doc.test_inputs[0, 0] == 0.0


def test_a_document_made_in_code_has_empty_test_rows():
    d = parse(base())
    plain = Document(d.network, d.inputs, d.targets)
    assert plain.test_inputs.shape == (0, 2) and plain.test_targets.shape == (0, 2)
    assert plain.classes is None and plain.generator is None


NOT_GENERATED = ("digits", "deep-sigmoid", "deep-tanh")


@pytest.mark.parametrize("name", [p for p in PRESETS if p not in OLD_PRESETS and p not in NOT_GENERATED])
def test_lecture_presets_keep_their_keys_through_a_save(name):
    """The generated presets (digits is real data, written compactly, without a generator; the
    deep presets are XOR's four rows with weights drawn from their "init", tested in
    test_fileformat.py's round trips)."""
    text = preset_path(name).read_text(encoding="utf-8")
    doc = loads(text)
    assert doc.n_test > 0 and doc.generator is not None
    assert dumps(doc) == text  # the shipped file is what bpviz writes


# ------------------------------------------------------------------------------ refusals
def _set(obj: dict, path: list, value) -> dict:
    obj = copy.deepcopy(obj)
    cur = obj
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    return obj


def _del(obj: dict, path: list) -> dict:
    obj = copy.deepcopy(obj)
    cur = obj
    for k in path[:-1]:
        cur = cur[k]
    del cur[path[-1]]
    return obj


@pytest.mark.parametrize(
    "change, path, words",
    [
        # features
        (lambda o: _set(o, ["features"], "x1*x2"), "features", "expected a list of feature names"),
        (lambda o: _set(o, ["features"], ["x1^3"]), "features[0]", 'such as "x1^2"'),
        (lambda o: _set(o, ["features"], [7]), "features[0]", "expected a string"),
        (lambda o: _set(o, ["features"], ["x3^2"]), "features[0]", "uses input 3"),
        (lambda o: _set(o, ["features"], ["x2*x1"]), "features[0]", "smaller input first"),
        (lambda o: _set(o, ["features"], ["x1^2", "x1^2"]), "features[1]", "listed twice"),
        (lambda o: _set(o, ["features"], ["x1^2", "x2^2", "x1*x2"]), "features", "leave no raw input"),
        (lambda o: _del(o, ["features"]), "data.inputs[0]", "expected 3 entries"),
        # softmax and the losses
        (
            lambda o: _set(o, ["layers", 1, "activation"], "softmax"),
            "layers[1].activation",
            "softmax can only be the output layer's activation",
        ),
        (lambda o: _set(o, ["loss"], "binary_cross_entropy"), "loss", "needs a sigmoid output layer"),
        (lambda o: _set(o, ["layers", 2, "activation"], "sigmoid"), "loss", "needs a softmax output layer"),
        (lambda o: _set(o, ["data", "targets", 2], [0.3, 0.8]), "data.targets", "row 3"),
        (
            lambda o: _set(o, ["data", "test", "targets", 1], [-1.0, 2.0]),
            "data.test.targets",
            "cross_entropy needs each target row to be probabilities",
        ),
        # data.test
        (lambda o: _set(o, ["data", "test"], [[0.0, 1.0]]), "data.test", "expected an object"),
        (lambda o: _set(o, ["data", "test", "weights"], []), "data.test.weights", "unknown key"),
        (lambda o: _del(o, ["data", "test", "targets"]), "data.test.targets", "missing"),
        (lambda o: _set(o, ["data", "test", "inputs"], []), "data.test.inputs", "at least one sample"),
        (
            lambda o: _set(o, ["data", "test", "targets"], [[0.0, 1.0]]),
            "data.test.targets",
            "expected 2 rows",
        ),
        (lambda o: _set(o, ["data", "test", "inputs", 1], [2.0, "x"]), "data.test.inputs[1][1]", "a number"),
        (
            lambda o: _set(o, ["data", "test", "inputs", 1], [2.0, 1.0, 0.0]),
            "data.test.inputs[1]",
            "2 entries",
        ),
        (
            lambda o: _set(o, ["data", "test", "inputs", 0], [1e300, 1e300]),
            "data.test.inputs[0]",
            "not finite",
        ),
        # data.classes
        (lambda o: _set(o, ["data", "classes"], ["a"]), "data.classes", "one name per output (2), got 1"),
        (lambda o: _set(o, ["data", "classes"], "ab"), "data.classes", "a list of class names"),
        (lambda o: _set(o, ["data", "classes"], ["a", "a"]), "data.classes[1]", "names another class too"),
        (lambda o: _set(o, ["data", "classes"], ["a", " "]), "data.classes[1]", "non-empty"),
        (lambda o: _set(o, ["data", "classes"], ["a", 2]), "data.classes[1]", "expected a string"),
        (lambda o: _set(o, ["data", "classes"], ["a", "b" * 33]), "data.classes[1]", "at most 32 characters"),
        (lambda o: _set(o, ["data", "classes"], ["a", "b\u202e"]), "data.classes[1]", "bidirectional"),
        # data.generator
        (lambda o: _set(o, ["data", "generator"], "circle"), "data.generator", "expected an object"),
        (lambda o: _set(o, ["data", "generator"], {"samples": 3}), "data.generator.name", "missing"),
        (
            lambda o: _set(o, ["data", "generator"], {"name": "nand"}),
            "data.generator.name",
            "unknown generator",
        ),
        (
            lambda o: _set(o, ["data", "generator"], {"name": "circle", "noise": -1}),
            "data.generator.noise",
            "from 0 to 10",
        ),
        (
            lambda o: _set(o, ["data", "generator"], {"name": "circle", "colour": 1}),
            "data.generator.colour",
            "unknown parameter of circle",
        ),
        (
            lambda o: _set(o, ["data", "generator"], {"name": "sine"}),
            "data.generator",
            "needs a network with 1 input",
        ),
        # unknown keys in data are still errors
        (lambda o: _set(o, ["data", "validation"], {}), "data.validation", "unknown key"),
    ],
)
def test_refusals_name_the_path(change, path, words):
    e = refused(change(base()))
    assert e.json_path == path, str(e)
    assert words in e.reason, str(e)


def test_softmax_needs_two_outputs():
    obj = base()
    obj["layers"][2]["size"] = 1
    obj["weights"][1] = obj["weights"][1][:1]
    obj["biases"][1] = [0.0]
    obj["data"]["targets"] = [[1.0]] * 3
    del obj["data"]["test"], obj["data"]["classes"]
    e = refused(obj)
    assert e.json_path == "layers[2].activation" and "at least 2 neurons" in e.reason


def test_binary_cross_entropy_targets_within_0_and_1():
    obj = base()
    obj["layers"][2]["activation"] = "sigmoid"
    obj["loss"] = "binary_cross_entropy"
    obj["data"]["targets"][0] = [1.0, 1.5]
    e = refused(obj)
    assert e.json_path == "data.targets" and "from 0 to 1" in e.reason
    obj["data"]["targets"][0] = [1.0, 1.0]  # not a distribution: fine for independent outputs
    assert parse(obj).network.loss.name == "binary_cross_entropy"


def test_test_targets_within_the_limit():
    obj = base()
    obj["loss"] = "half_sse"
    obj["data"]["test"]["targets"][1] = [0.0, 1e151]
    e = refused(obj)
    assert e.json_path == "data.test.targets[1][1]" and "at most 1e150" in e.reason


def test_test_rows_within_the_limits(monkeypatch):
    monkeypatch.setattr(limits, "MAX_SAMPLES", 1)
    obj = _set(base(), ["data", "inputs"], [[0.5, -1.0]])
    obj["data"]["targets"] = [[1.0, 0.0]]  # one training row (within the limit), two test rows
    e = refused(obj)
    assert e.json_path == "data.test.inputs" and "test samples" in e.reason
