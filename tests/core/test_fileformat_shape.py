"""``layers[0].shape`` (issue 15): the raw inputs as an image, [rows, columns] — kept on the
Network, round-tripped byte for byte, refused with a message naming the key, old files unchanged."""

from __future__ import annotations

import copy

import pytest

from bpviz.core.fileformat import FormatError, dumps, loads, parse
from bpviz.core.presets import PRESETS, load_preset, preset_path


def base(shape=(2, 3), features=()) -> dict:
    """6 raw inputs (+ derived features) → 2 sigmoid → 1 sigmoid, one sample."""
    n_in = 6 + len(features)
    obj = {
        "format": "bpviz/1",
        "title": "t",
        "layers": [
            {"name": "x", "size": n_in},
            {"name": "h", "size": 2, "activation": "sigmoid"},
            {"name": "y", "size": 1, "activation": "sigmoid"},
        ],
        "init": {"seed": 3},
        "data": {"inputs": [[0.0, 0.25, 0.5, 0.75, 1.0, 0.5]], "targets": [[1.0]]},
    }
    if features:
        obj["features"] = list(features)
    if shape is not None:
        obj["layers"][0]["shape"] = list(shape)
    return obj


def refused(obj) -> FormatError:
    with pytest.raises(FormatError) as e:
        parse(obj)
    return e.value


def test_shape_is_kept_and_round_trips_byte_for_byte():
    doc = parse(base((2, 3)))
    assert doc.network.input_shape == (2, 3)
    assert doc.copy().network.input_shape == (2, 3)
    assert doc.network.copy().input_shape == (2, 3)
    text = dumps(doc)
    assert '"shape": [2, 3]' in text
    again = loads(text)
    assert again.network.input_shape == (2, 3)
    assert dumps(again) == text


def test_derived_features_are_not_part_of_the_image():
    doc = parse(base((3, 2), features=("x1^2", "x1*x2")))
    assert doc.network.input_shape == (3, 2) and doc.network.sizes[0] == 8
    assert dumps(loads(dumps(doc))) == dumps(doc)
    e = refused(base((2, 4), features=("x1^2", "x1*x2")))  # 8 = the whole layer, not the raw 6
    assert e.json_path == "layers[0].shape"
    assert "6 raw inputs" in str(e) and "derived" in str(e)


def test_no_shape_or_null_means_none_and_writes_no_key():
    doc = parse(base(None))
    assert doc.network.input_shape is None
    assert '"shape"' not in dumps(doc)
    obj = base(None)
    obj["layers"][0]["shape"] = None
    assert parse(obj).network.input_shape is None


@pytest.mark.parametrize("name", [p for p in PRESETS if p != "digits"])
def test_presets_without_a_shape_save_as_before(name):
    doc = load_preset(name)
    assert doc.network.input_shape is None
    text = dumps(doc)
    assert '"shape"' not in text
    assert dumps(loads(text)) == text
    with open(preset_path(name), encoding="utf-8") as f:
        assert '"shape"' not in f.read()


@pytest.mark.parametrize(
    "shape, path, words",
    [
        ([6], "layers[0].shape", "a list of 2 positive integers"),
        ([1, 2, 3], "layers[0].shape", "a list of 2 positive integers"),
        ("2x3", "layers[0].shape", "a list of 2 positive integers"),
        ({"rows": 2}, "layers[0].shape", "a list of 2 positive integers"),
        ([0, 6], "layers[0].shape[0]", "positive integer"),
        ([2, -3], "layers[0].shape[1]", "positive integer"),
        ([2.0, 3], "layers[0].shape[0]", "positive integer"),
        ([2, "3"], "layers[0].shape[1]", "positive integer"),
        ([True, 6], "layers[0].shape[0]", "positive integer"),
        ([3, 3], "layers[0].shape", "3 × 3 = 9 pixels, but the input layer has 6 raw inputs"),
        ([1, 5], "layers[0].shape", "rows × columns must equal the raw inputs"),
    ],
)
def test_wrong_shapes_are_refused_naming_the_key(shape, path, words):
    obj = base(None)
    obj["layers"][0]["shape"] = copy.deepcopy(shape)
    e = refused(obj)
    assert e.json_path == path, str(e)
    assert words in str(e)
    assert str(e).startswith(path + ":")


def test_only_the_input_layer_has_a_shape():
    obj = base(None)
    obj["layers"][1]["shape"] = [1, 2]
    e = refused(obj)
    assert e.json_path == "layers[1].shape"
    assert "only the input layer" in str(e)
