"""The file keeps momentum: the ``momentum`` key (0 ≤ α < 1, a sentence naming it otherwise)
and ``session.velocity`` (shaped like the parameters, checked), round trips bit for bit, and a
file without momentum saves byte for byte as before."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpviz.core import momentum
from bpviz.core.fileformat import FormatError, dumps, loads
from bpviz.core.presets import PRESETS, load_preset, preset_path
from bpviz.core.training_settings import TrainingSettings, read_momentum


def obj_of(name: str) -> dict:
    return json.loads(preset_path(name).read_text(encoding="utf-8"))


def test_momentum_and_velocity_round_trip_bit_for_bit():
    doc = load_preset("xor")
    doc.momentum = 0.95
    rng = np.random.default_rng(1)
    doc.velocity = momentum.Velocity(
        tuple(rng.normal(size=w.shape) / 7 for w in doc.network.weights),
        tuple(rng.normal(size=b.shape) / 3 for b in doc.network.biases),
    )
    text = dumps(doc)
    back = loads(text)
    assert back.momentum == 0.95
    for a, b in zip(
        [*back.velocity.weights, *back.velocity.biases],
        [*doc.velocity.weights, *doc.velocity.biases],
        strict=True,
    ):
        assert np.array_equal(a, b)
    assert dumps(back) == text
    assert "velocity" not in (back.session or {})  # held as arrays, not twice
    copy = back.copy()
    copy.velocity.weights[0][0, 0] += 1  # a copy owns its arrays
    assert copy.velocity.weights[0][0, 0] != back.velocity.weights[0][0, 0]


@pytest.mark.parametrize("name", PRESETS)
def test_a_file_without_momentum_saves_as_before(name):
    doc = load_preset(name)
    assert doc.momentum == 0 and doc.velocity is None
    text = dumps(doc)
    assert '"momentum"' not in text and '"velocity"' not in text


@pytest.mark.parametrize(
    "value, words",
    [
        (1, "must be at least 0 and less than 1"),
        (1.5, "got 1.5"),
        (-0.1, "got -0.1"),
        ("0.5", 'expected a number from 0 up to (not including) 1, got "0.5"'),
        (None, "got null"),
        ([0.5], "expected a number"),
        (False, "got false"),
    ],
)
def test_a_bad_momentum_is_a_sentence_naming_the_key(value, words):
    obj = obj_of("mazur")
    obj["momentum"] = value
    with pytest.raises(FormatError) as e:
        loads(json.dumps(obj))
    assert str(e.value).startswith("momentum: ") and words in str(e.value), str(e.value)


Z2 = [[0, 0], [0, 0]]


@pytest.mark.parametrize(
    "velocity, where",
    [
        ([], "session.velocity: expected an object"),
        ({"weights": [Z2], "biases": Z2}, "session.velocity.weights: expected 2"),
        (
            {"weights": [Z2, [[0, 0, 0], [0, 0, 0]]]},
            "session.velocity.weights[1][0]: expected 2",
        ),
        ({"weights": [Z2, Z2]}, "session.velocity.biases: missing"),
        ({"weights": [Z2, [[0, 0], [0, "x"]]], "biases": Z2}, "weights[1][1][1]"),
        (
            {"weights": [Z2, Z2], "biases": Z2, "v": 1},
            ".v: unknown",
        ),
    ],
)
def test_a_velocity_that_does_not_fit_is_a_sentence_naming_its_path(velocity, where):
    obj = obj_of("mazur")
    obj["momentum"] = 0.9
    obj["session"] = {"velocity": velocity}
    with pytest.raises(FormatError) as e:
        loads(json.dumps(obj))
    assert where in str(e.value), str(e.value)


def test_a_velocity_without_momentum_is_checked_and_not_kept():
    obj = obj_of("mazur")
    v = {"weights": [[[0, 1], [0, 0]], Z2], "biases": Z2}
    obj["session"] = {"velocity": v, "step": 3}
    doc = loads(json.dumps(obj))
    assert doc.momentum == 0 and doc.velocity is None and doc.session == {"step": 3}
    obj["session"] = {"velocity": {"weights": []}}
    with pytest.raises(FormatError, match="session.velocity.weights"):
        loads(json.dumps(obj))


def test_settings_and_typed_alpha_follow_the_same_rule():
    doc = load_preset("mazur")
    doc.momentum = 0.9
    assert TrainingSettings.of(doc).momentum == 0.9
    assert TrainingSettings.of(doc, momentum=0.5).momentum == 0.5
    with pytest.raises(ValueError, match="momentum: the momentum α must be at least 0"):
        TrainingSettings(0.5, momentum=1.0)
    assert read_momentum("0,9", decimal_comma=True) == 0.9
    for text in ("1", "nan", "-0.5", "inf"):
        with pytest.raises(ValueError):
            read_momentum(text)
