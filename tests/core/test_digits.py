"""The ``digits`` preset (issue 15): the UCI 8 × 8 handwritten digits, 64-16-10 with a softmax
output and cross-entropy, its rows split into training and test rows, its inputs an 8 × 8 image."""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core import classify
from bpviz.core.build import draw_parameters
from bpviz.core.fileformat import dumps, loads
from bpviz.core.presets import PRESETS, load_preset, preset_path, preset_titles
from bpviz.core.training import Trainer, default_speed, default_stop_error


@pytest.fixture(scope="module")
def doc():
    return load_preset("digits")


def test_digits_is_the_last_preset_with_a_title():
    assert PRESETS[-1] == "digits"
    assert "digits" in dict(preset_titles())["digits"].lower()


def test_the_file_stays_small():
    assert preset_path("digits").stat().st_size < 600_000


def test_network_and_training_settings(doc):
    net = doc.network
    assert net.sizes == [64, 16, 10]
    assert net.input_shape == (8, 8)
    assert net.activations[0].name in ("tanh", "sigmoid")
    assert net.activations[-1].name == "softmax" and net.loss.name == "cross_entropy"
    assert doc.mode == "minibatch" and doc.batch_size and doc.shuffle_seed is not None
    assert doc.speed is not None and doc.speed > 0
    assert default_stop_error(doc) is not None
    assert classify.applies(doc)


def test_credits_the_source(doc):
    for words in (
        "UCI ML Repository",
        "Optical Recognition of Handwritten Digits",
        "Alpaydin & Kaynak 1998",
        "CC BY 4.0",
    ):
        assert words in doc.description


def test_rows_split_into_train_and_test_without_overlap(doc):
    assert doc.n_samples + doc.n_test == 1797
    assert doc.n_test == round(1797 * 0.3)
    assert doc.inputs.shape[1] == doc.test_inputs.shape[1] == 64
    # the 1,797 images are all different, so a shared image would be a row in both parts
    train = {r.tobytes() for r in doc.inputs}
    test = {r.tobytes() for r in doc.test_inputs}
    assert len(train) == doc.n_samples and len(test) == doc.n_test
    assert not train & test


def test_pixels_are_sixteenths_in_zero_to_one(doc):
    for x in (doc.inputs, doc.test_inputs):
        assert x.min() == 0.0 and x.max() == 1.0
        assert np.array_equal(x * 16, np.round(x * 16))  # pixel / 16, exactly


def test_targets_are_one_hot_matching_the_class_names(doc):
    assert doc.classes == [str(d) for d in range(10)]
    for t in (doc.targets, doc.test_targets):
        assert set(np.unique(t)) == {0.0, 1.0}
        assert (t.sum(axis=1) == 1).all()
    counts = np.bincount(np.argmax(np.vstack([doc.targets, doc.test_targets]), axis=1), minlength=10)
    assert counts.min() >= 170 and counts.sum() == 1797  # every digit about a tenth of the set
    assert (np.bincount(np.argmax(doc.test_targets, axis=1), minlength=10) > 30).all()
    assert doc.network.labels.neurons[-1] == [f"y{d}" for d in range(10)]


def test_an_eight_by_eight_image_is_a_digit(doc):
    """Row by row: a 0 has ink around a hollow middle, a 1 has its ink in the middle columns."""
    y = np.argmax(doc.targets, axis=1)
    zeros = doc.inputs[y == 0].mean(axis=0).reshape(8, 8)
    ones = doc.inputs[y == 1].mean(axis=0).reshape(8, 8)
    assert zeros[3:5, 3:5].mean() < 0.3 < zeros[3:5, 1:3].mean()
    assert ones[:, 3:5].mean() > ones[:, [0, 7]].mean() + 0.3


def test_saved_and_opened_again_it_is_the_same_file(doc):
    text = dumps(doc)
    again = loads(text)
    assert again.network.input_shape == (8, 8)
    assert np.array_equal(again.inputs, doc.inputs) and np.array_equal(again.test_targets, doc.test_targets)
    assert dumps(again) == text


def test_a_short_run_lowers_the_error_and_lifts_the_accuracy(doc):
    t = Trainer(doc)
    e0, a0 = t.data_error(), t.test_accuracy()
    assert a0 < 0.3
    t.run(max_steps=60)
    assert t.data_error() < e0 / 2
    assert t.test_accuracy() > 0.8
    assert 60 / default_speed(doc) <= 30  # lecture seconds


def test_the_weights_are_a_seeded_draw(doc):
    """xavier uniform from seed 0 (FORMAT.md's init) rounded to 3 decimals, as the lecture presets'."""
    w, b = draw_parameters([64, 16, 10], "xavier", 0.5, 0, True)
    for got, want in zip(doc.network.weights + doc.network.biases, w + b, strict=True):
        assert np.array_equal(got, np.round(want, 3))
