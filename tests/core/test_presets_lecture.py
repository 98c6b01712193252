"""The lecture presets of issue 14 (circle, spiral, moons, sine): their rows are what their
``data.generator`` makes, bit for bit; their weights are a seeded draw; and each learns what its
description promises, at the step it names, within about a minute at its speed."""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core import classify
from bpviz.core.build import draw_parameters
from bpviz.core.datasets import generate_for, generate_spec
from bpviz.core.presets import PRESETS, load_preset, preset_titles
from bpviz.core.training import Trainer, default_speed, default_stop_error

LECTURE = ("circle", "spiral", "moons", "sine")
DEEP = ("deep-sigmoid", "deep-tanh")  # issue 16: vanishing gradients (tests/core/test_gradient_health.py)
# name: (test accuracy to reach, the step the description names, its loss, its output)
TARGETS = {
    "circle": (0.95, 115, "binary_cross_entropy", "sigmoid"),
    "spiral": (0.90, 1188, "cross_entropy", "softmax"),
    "moons": (0.95, 214, "binary_cross_entropy", "sigmoid"),
}


def test_the_lecture_presets_follow_the_old_ones():
    assert ("mazur", "swap", "linear", "xor", "xor-deep", *DEEP, *LECTURE, "digits") == PRESETS
    titles = dict(preset_titles())
    assert all(titles[name] for name in LECTURE)


@pytest.mark.parametrize("name", LECTURE)
def test_the_rows_are_what_the_generator_makes(name):
    doc = load_preset(name)
    assert doc.generator is not None and doc.n_test > 0
    made = generate_for(doc.generator, doc.network)
    assert made.spec == doc.generator  # the file holds the whole spec
    for a, b in (
        (made.inputs, doc.inputs),
        (made.targets, doc.targets),
        (made.test_inputs, doc.test_inputs),
        (made.test_targets, doc.test_targets),
    ):
        assert a.shape == b.shape and a.tobytes() == b.tobytes()
    assert made.classes == doc.classes
    again = generate_spec(doc.generator, doc.network.n_raw, doc.network.sizes[-1])
    assert again.inputs.tobytes() == doc.inputs.tobytes()


@pytest.mark.parametrize("name", LECTURE)
def test_the_weights_are_a_seeded_draw(name):
    """xavier uniform from seed 0 (FORMAT.md's init), rounded to 3 decimals for the canvas."""
    net = load_preset(name).network
    w, b = draw_parameters(net.sizes, "xavier", 0.5, 0, True)
    for got, want in zip(net.weights + net.biases, w + b, strict=True):
        assert np.array_equal(got, np.round(want, 3))


@pytest.mark.parametrize("name", LECTURE)
def test_a_lecturer_has_a_title_a_description_and_a_speed(name):
    doc = load_preset(name)
    assert doc.title and len(doc.description) > 200
    assert f"data.generator: {name}" in doc.description
    assert doc.speed is not None and doc.speed > 0
    assert (doc.session or {}).get("stop_error") is not None


@pytest.mark.parametrize("name", list(TARGETS))
def test_classifiers_reach_their_accuracy_at_the_step_their_description_names(name):
    goal, step, loss, out = TARGETS[name]
    doc = load_preset(name)
    assert doc.network.loss.name == loss and doc.network.activations[-1].name == out
    assert classify.applies(doc) and doc.classes is not None
    assert f"reaches {goal:.0%}".replace("%", " %") in doc.description
    assert f"at step {step:,}" in doc.description
    t = Trainer(doc)
    t.run(max_steps=step - 1)
    assert t.test_accuracy() < goal
    t.run(max_steps=1)
    assert t.test_accuracy() >= goal
    assert step / default_speed(doc) <= 45  # seconds of lecture time


@pytest.mark.parametrize("name", LECTURE)
def test_each_stops_learned_within_about_a_minute_with_the_error_falling_at_every_step(name):
    doc = load_preset(name)
    speed, stop = default_speed(doc), default_stop_error(doc)
    t = Trainer(doc)
    r = t.run(max_steps=100_000, stop_error=stop)
    assert r.reason == "target"
    assert 10 <= t.step / speed <= 60, (t.step, speed)
    assert f"at step {t.step:,}" in doc.description  # the stop the description names
    assert (np.diff(t.error_history) < 0).all()  # batch learning at a small enough rate
    if name in TARGETS:
        goal = TARGETS[name][0]
        assert t.test_accuracy() >= goal and t.accuracy() >= goal
    else:  # sine: the test rows' mean squared error near the noise's
        out = t.network.outputs(doc.test_inputs)
        assert float(np.mean((out - doc.test_targets) ** 2)) < 0.011
        assert t.accuracy() is None and t.test_accuracy() is None
