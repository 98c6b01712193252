"""The bpviz/1 file (shared/design/FORMAT.md): round trips, init, rejection with a JSON path,
robustness against arbitrary damage, atomic save."""

from __future__ import annotations

import copy
import json
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpviz.core import fileformat
from bpviz.core.fileformat import Document, FormatError, dumps, load, loads, save
from bpviz.core.presets import PRESETS, load_preset, preset_path


def preset_obj(name: str) -> dict:
    return json.loads(preset_path(name).read_text(encoding="utf-8"))


def text_of(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def one_line(msg: str) -> bool:
    """One line on a terminal: no line feed or carriage return (and not empty)."""
    return bool(msg.strip()) and "\n" not in msg and "\r" not in msg


def as_lists(arrays):
    return None if arrays is None else [np.asarray(a).tolist() for a in arrays]


# ------------------------------------------------------------------------------ round trip
SESSION = {"step": 3, "error_history": [0.25, 0.125, 0.0625], "phase": 4}
CUSTOM = {"a": [1, 2]}


def _with_extras(name: str, minibatch: bool) -> dict:
    obj = preset_obj(name)
    obj["x_custom"] = copy.deepcopy(CUSTOM)
    obj["session"] = copy.deepcopy(SESSION)
    if minibatch:
        obj["mode"] = "minibatch"
        obj["batch_size"] = len(obj["data"]["inputs"])
        obj["shuffle_seed"] = 7
    return obj


def _check_against_file(doc: Document, obj: dict) -> None:
    """Every field of the Document equals what the JSON object says (or its default)."""
    net = doc.network
    layers = obj["layers"]
    assert net.names == [layer["name"] for layer in layers]
    assert net.sizes == [layer["size"] for layer in layers]
    for k, layer in enumerate(layers[1:]):
        act = layer["activation"]
        if isinstance(act, str):
            assert net.activations[k].to_json() == act
        else:
            assert net.activations[k].to_json() == {"name": act["name"], "slope": act.get("slope", 1.0)}
    drawn = loads(text_of(obj)).network if "init" in obj else None
    if "weights" in obj:
        assert as_lists(net.weights) == obj["weights"]
    else:  # drawn from the file's "init" (deep-sigmoid, deep-tanh): the same draw on every load
        assert as_lists(net.weights) == as_lists(drawn.weights)
    if obj.get("biases") == "init":
        assert as_lists(net.biases) == as_lists(drawn.biases)
    else:
        assert as_lists(net.biases) == obj.get("biases")
    assert net.train_biases is obj.get("train_biases", True)
    assert net.loss.name == obj.get("loss", "half_sse")
    assert doc.learning_rate == obj.get("learning_rate", 0.5)
    assert doc.mode == obj.get("mode", "online")
    assert doc.batch_size == obj.get("batch_size")
    assert doc.shuffle_seed == obj.get("shuffle_seed")
    assert doc.inputs.tolist() == obj["data"]["inputs"]
    assert doc.targets.tolist() == obj["data"]["targets"]
    assert doc.title == obj.get("title", "")
    assert doc.description == obj.get("description", "")
    assert doc.session == obj.get("session")
    assert doc.speed == obj.get("speed")
    labels = obj.get("labels", {})
    for key in ("neurons", "weights", "biases"):
        if key in labels:
            assert getattr(net.labels, key) == labels[key], key
    assert doc.extra == {k: v for k, v in obj.items() if k not in fileformat.KNOWN_KEYS}


@pytest.mark.parametrize("minibatch", [False, True], ids=["as-shipped", "minibatch"])
@pytest.mark.parametrize("name", PRESETS)
def test_round_trip_keeps_every_field(name, minibatch, tmp_path):
    obj = _with_extras(name, minibatch)
    src = tmp_path / "src.bpviz.json"
    src.write_text(text_of(obj), encoding="utf-8")
    first = load(src)
    _check_against_file(first, obj)

    out = tmp_path / "out.bpviz.json"
    save(first, out)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["x_custom"] == CUSTOM
    assert saved["session"] == SESSION
    assert "init" not in saved

    second = load(out)
    _check_against_file(second, obj)
    assert second.extra == {"x_custom": CUSTOM, "speed": obj["speed"]}  # every preset has one
    assert second.network.labels == first.network.labels
    assert [a.to_json() for a in second.network.activations] == [
        a.to_json() for a in first.network.activations
    ]
    # and a second save is byte-for-byte the first (a fixed point)
    assert dumps(second) == out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_and_round_trip_through_text(name):
    doc = load_preset(name)
    again = loads(dumps(doc))
    _check_against_file(again, preset_obj(name))


@pytest.mark.parametrize("speed", [20, 0.5, 1500.25, "full"])
def test_speed_round_trips(speed, tmp_path):
    obj = _set(mazur(), ["speed"], speed)
    doc = loads(text_of(obj))
    assert doc.speed == speed
    assert doc.copy().speed == speed
    path = tmp_path / "s.bpviz.json"
    save(doc, path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["speed"] == speed and type(saved["speed"]) is type(speed)  # 20 stays 20
    assert load(path).speed == speed


def test_speed_is_optional_and_set_on_a_document():
    obj = mazur()
    del obj["speed"]
    doc = loads(text_of(obj))
    assert doc.speed is None and "speed" not in json.loads(dumps(doc))
    doc.speed = 12.0
    assert json.loads(dumps(doc))["speed"] == 12  # a whole number is written as one
    doc.speed = "full"
    assert json.loads(dumps(doc))["speed"] == "full"
    with pytest.raises(ValueError):
        doc.speed = 0
    doc.speed = None
    assert "speed" not in json.loads(dumps(doc))


def test_bad_speed_message_names_the_key():
    with pytest.raises(FormatError) as info:
        loads(text_of(_set(mazur(), ["speed"], "fast")))
    assert str(info.value) == 'speed: expected steps per second (a number > 0) or "full", got "fast"'


def test_stop_error_is_kept_in_the_session(tmp_path):
    for value in (0.001, None):
        doc = loads(text_of(_set(mazur(), ["session"], {"step": 0, "stop_error": value})))
        assert doc.session["stop_error"] == value
        assert json.loads(dumps(doc))["session"]["stop_error"] == value  # null: no stop


def test_unknown_top_level_keys_survive_a_copy_and_save(tmp_path):
    obj = preset_obj("xor")
    obj["x_custom"] = {"a": [1, 2]}
    obj["x_other"] = "text"
    doc = loads(text_of(obj)).copy()
    save(doc, tmp_path / "x.bpviz.json")
    saved = json.loads((tmp_path / "x.bpviz.json").read_text(encoding="utf-8"))
    assert saved["x_custom"] == {"a": [1, 2]}
    assert saved["x_other"] == "text"


# ------------------------------------------------------------------------------ init
def _init_obj(sizes, init, biases=None, acts="sigmoid"):
    obj = {
        "format": "bpviz/1",
        "layers": [{"name": "in", "size": sizes[0]}]
        + [{"name": f"l{k}", "size": n, "activation": acts} for k, n in enumerate(sizes[1:], 1)],
        "init": init,
        "data": {"inputs": [[0.5] * sizes[0]], "targets": [[0.25] * sizes[-1]]},
    }
    if biases is not None:
        obj["biases"] = biases
    return obj


def _expected_draws(sizes, seed, bound, with_biases):
    rng = np.random.default_rng(seed)
    pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
    ws = [rng.uniform(-bound(n_in, n_out), bound(n_in, n_out), (n_out, n_in)) for n_in, n_out in pairs]
    bs = None
    if with_biases:
        bs = [rng.uniform(-bound(n_in, n_out), bound(n_in, n_out), n_out) for n_in, n_out in pairs]
    return ws, bs


INIT_CASES = [
    ("uniform", [2, 3, 1], {"scheme": "uniform", "scale": 0.5, "seed": 11}, lambda i, o: 0.5, 11),
    ("uniform-scale", [4, 2, 3, 2], {"scheme": "uniform", "scale": 2.5, "seed": 3}, lambda i, o: 2.5, 3),
    ("uniform-default-seed", [3, 5, 2], {"scheme": "uniform", "scale": 0.1}, lambda i, o: 0.1, 0),
    ("xavier", [3, 4, 2], {"scheme": "xavier", "seed": 5}, lambda i, o: math.sqrt(6.0 / (i + o)), 5),
    ("xavier-default-seed", [2, 7, 3, 1], {"scheme": "xavier"}, lambda i, o: math.sqrt(6.0 / (i + o)), 0),
]


@pytest.mark.parametrize("with_biases", [False, True], ids=["no-biases", "biases-init"])
@pytest.mark.parametrize(
    ("sizes", "init", "bound", "seed"), [c[1:] for c in INIT_CASES], ids=[c[0] for c in INIT_CASES]
)
def test_init_draws_as_format_md_says(sizes, init, bound, seed, with_biases, tmp_path):
    obj = _init_obj(sizes, init, "init" if with_biases else None)
    doc = loads(text_of(obj))
    ws, bs = _expected_draws(sizes, seed, bound, with_biases)
    assert len(doc.network.weights) == len(ws)
    for got, want in zip(doc.network.weights, ws, strict=True):
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    if with_biases:
        assert doc.network.biases is not None
        for got, want in zip(doc.network.biases, bs, strict=True):
            np.testing.assert_array_equal(got, want)
    else:
        assert doc.network.biases is None

    path = tmp_path / "drawn.bpviz.json"
    save(doc, path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert "init" not in saved
    assert saved["weights"] == [w.tolist() for w in ws]
    if with_biases:
        assert saved["biases"] == [b.tolist() for b in bs]
    else:
        assert "biases" not in saved or saved["biases"] is None
    # the saved file draws nothing: it loads to the same numbers
    again = load(path)
    assert as_lists(again.network.weights) == [w.tolist() for w in ws]


def test_init_seeds_differ_and_weights_win_over_init():
    a = loads(text_of(_init_obj([2, 3, 1], {"scheme": "uniform", "scale": 1.0, "seed": 1})))
    b = loads(text_of(_init_obj([2, 3, 1], {"scheme": "uniform", "scale": 1.0, "seed": 2})))
    assert not np.array_equal(a.network.weights[0], b.network.weights[0])
    obj = _init_obj([2, 3, 1], {"scheme": "uniform", "scale": 1.0, "seed": 1})
    obj["weights"] = [[[0.5, 0.5]] * 3, [[1.0, 2.0, 3.0]]]
    c = loads(text_of(obj))
    assert as_lists(c.network.weights) == obj["weights"]


def test_biases_init_without_init_is_an_error():
    obj = preset_obj("xor")
    obj["biases"] = "init"
    with pytest.raises(FormatError, match=r"^biases: "):
        loads(text_of(obj))


# ------------------------------------------------------------------------------ broken files
def mazur() -> dict:
    return preset_obj("mazur")


def xor() -> dict:
    return preset_obj("xor")


def _set(obj, path, value):
    cur = obj
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = value
    return obj


def _delete(obj, key):
    del obj[key]
    return obj


def _nan_text(path, literal):
    """The mazur file with a non-finite literal spliced in at ``path``."""
    obj = _set(mazur(), path, "@@HERE@@")
    return text_of(obj).replace('"@@HERE@@"', literal)


BROKEN = [
    # (id, text, the JSON path the message must name)
    ("nan-weight", _nan_text(["weights", 1, 0, 1], "NaN"), "weights[1][0][1]"),
    ("infinity-lr", _nan_text(["learning_rate"], "Infinity"), "learning_rate"),
    ("minus-infinity-input", _nan_text(["data", "inputs", 0, 1], "-Infinity"), "data.inputs[0][1]"),
    ("overflowing-float-literal", _nan_text(["biases", 0, 1], "1e999"), "biases[0][1]"),
    ("huge-int-lr", _nan_text(["learning_rate"], "1" + "0" * 400), "learning_rate"),
    ("huge-int-weight", _nan_text(["weights", 0, 0, 0], "-1" + "0" * 400), "weights[0][0][0]"),
    ("bool-weight", text_of(_set(mazur(), ["weights", 1, 0, 0], True)), "weights[1][0][0]"),
    ("bool-lr", text_of(_set(mazur(), ["learning_rate"], False)), "learning_rate"),
    ("bool-size", text_of(_set(mazur(), ["layers", 1, "size"], True)), "layers[1].size"),
    ("bool-target", text_of(_set(mazur(), ["data", "targets", 0, 0], True)), "data.targets[0][0]"),
    (
        "bool-batch-size",
        text_of(_set(_set(xor(), ["mode"], "minibatch"), ["batch_size"], True)),
        "batch_size",
    ),
    ("size-as-string", text_of(_set(mazur(), ["layers", 2, "size"], "3")), "layers[2].size"),
    ("size-zero", text_of(_set(mazur(), ["layers", 0, "size"], 0)), "layers[0].size"),
    ("size-float", text_of(_set(mazur(), ["layers", 1, "size"], 2.5)), "layers[1].size"),
    (
        "size-missing",
        text_of(_set(mazur(), ["layers", 2], {"name": "o", "activation": "sigmoid"})),
        "layers[2].size",
    ),
    ("weights-too-few-rows", text_of(_set(mazur(), ["weights", 1], [[0.4, 0.45]])), "weights[1]"),
    ("weights-row-too-long", text_of(_set(mazur(), ["weights", 1, 0], [0.4, 0.45, 0.5])), "weights[1][0]"),
    ("weights-too-few-matrices", text_of(_set(mazur(), ["weights"], [[[0.1, 0.2], [0.3, 0.4]]])), "weights"),
    ("weights-transposed", text_of(_set(xor(), ["weights", 1], [[-0.85], [0.89]])), "weights[1]"),
    ("bias-wrong-length", text_of(_set(mazur(), ["biases", 1], [0.6])), "biases[1]"),
    (
        "unknown-activation",
        text_of(_set(mazur(), ["layers", 1, "activation"], "softmax")),
        "layers[1].activation",
    ),
    (
        "unknown-activation-object",
        text_of(_set(mazur(), ["layers", 2, "activation"], {"name": "swish"})),
        "layers[2].activation.name",
    ),
    (
        "slope-is-bool",
        text_of(_set(mazur(), ["layers", 2, "activation"], {"name": "linear", "slope": True})),
        "layers[2].activation.slope",
    ),
    (
        "missing-activation",
        text_of(_set(mazur(), ["layers", 1], {"name": "h", "size": 2})),
        "layers[1].activation",
    ),
    (
        "input-layer-activation",
        text_of(_set(mazur(), ["layers", 0, "activation"], "sigmoid")),
        "layers[0].activation",
    ),
    ("minibatch-without-batch-size", text_of(_set(xor(), ["mode"], "minibatch")), "batch_size"),
    (
        "batch-size-over-samples",
        text_of(_set(_set(xor(), ["mode"], "minibatch"), ["batch_size"], 5)),
        "batch_size",
    ),
    ("batch-size-zero", text_of(_set(_set(xor(), ["mode"], "minibatch"), ["batch_size"], 0)), "batch_size"),
    ("unknown-mode", text_of(_set(mazur(), ["mode"], "stochastic")), "mode"),
    ("learning-rate-zero", text_of(_set(mazur(), ["learning_rate"], 0)), "learning_rate"),
    ("learning-rate-negative", text_of(_set(mazur(), ["learning_rate"], -0.5)), "learning_rate"),
    ("learning-rate-string", text_of(_set(mazur(), ["learning_rate"], "0.5")), "learning_rate"),
    ("unknown-loss", text_of(_set(mazur(), ["loss"], "cross_entropy")), "loss"),
    ("train-biases-number", text_of(_set(mazur(), ["train_biases"], 0)), "train_biases"),
    (
        "targets-fewer-than-inputs",
        text_of(_set(xor(), ["data", "targets"], [[0.0], [1.0], [1.0]])),
        "data.targets",
    ),
    (
        "target-row-too-long",
        text_of(_set(mazur(), ["data", "targets", 0], [0.01, 0.99, 0.5])),
        "data.targets[0]",
    ),
    ("input-row-too-short", text_of(_set(xor(), ["data", "inputs", 2], [1.0])), "data.inputs[2]"),
    ("no-samples", text_of(_set(mazur(), ["data"], {"inputs": [], "targets": []})), "data.inputs"),
    ("data-missing", text_of(_delete(mazur(), "data")), "data"),
    ("layers-missing", text_of(_delete(mazur(), "layers")), "layers"),
    ("one-layer", text_of(_set(mazur(), ["layers"], [{"name": "i", "size": 2}])), "layers"),
    ("weights-missing", text_of(_delete(mazur(), "weights")), "weights"),
    ("label-not-string", text_of(_set(mazur(), ["labels", "neurons", 1, 0], 7)), "labels.neurons[1][0]"),
    ("session-step-negative", text_of(_set(mazur(), ["session"], {"step": -1})), "session.step"),
    ("speed-zero", text_of(_set(mazur(), ["speed"], 0)), "speed"),
    ("speed-negative", text_of(_set(mazur(), ["speed"], -20)), "speed"),
    ("speed-word", text_of(_set(mazur(), ["speed"], "fast")), "speed"),
    ("speed-string-number", text_of(_set(mazur(), ["speed"], "20")), "speed"),
    ("speed-bool", text_of(_set(mazur(), ["speed"], True)), "speed"),
    ("speed-list", text_of(_set(mazur(), ["speed"], [20])), "speed"),
    ("speed-infinite", text_of(mazur()).replace('"speed": 25', '"speed": Infinity'), "speed"),
    ("speed-overflow", text_of(mazur()).replace('"speed": 25', '"speed": 1e999'), "speed"),
    ("stop-error-zero", text_of(_set(mazur(), ["session"], {"stop_error": 0})), "session.stop_error"),
    ("stop-error-string", text_of(_set(mazur(), ["session"], {"stop_error": "0.01"})), "session.stop_error"),
    ("format-missing", text_of(_delete(mazur(), "format")), "format"),
    ("format-wrong", text_of(_set(mazur(), ["format"], "bpviz/2")), "format"),
    ("format-not-string", text_of(_set(mazur(), ["format"], 1)), "format"),
    ("top-level-list", text_of([mazur()]), "JSON object"),
    ("top-level-string", '"bpviz/1"', "JSON object"),
    ("not-json", "format: bpviz/1\nlayers: [2, 2, 2]\n", "JSON"),
    ("truncated", text_of(mazur())[:200], "JSON"),
    ("empty", "", "JSON"),
]


@pytest.mark.parametrize(("text", "where"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_broken_file_is_rejected_naming_the_path(text, where):
    with pytest.raises(FormatError) as info:
        loads(text)
    msg = str(info.value)
    assert where in msg
    assert one_line(msg), repr(msg)
    if "JSON" not in where:  # a JSON path: it comes first, as in FORMAT.md's example
        assert msg.startswith(where + ": "), msg


def test_message_matches_format_md_example():
    with pytest.raises(FormatError) as info:
        loads(text_of(_set(mazur(), ["layers", 2, "size"], "3")))
    assert str(info.value) == 'layers[2].size: expected a positive integer, got "3"'


def test_load_names_the_file_and_the_path(tmp_path):
    path = tmp_path / "broken.bpviz.json"
    path.write_text(text_of(_set(mazur(), ["weights", 1, 0], [0.4])), encoding="utf-8")
    with pytest.raises(FormatError) as info:
        load(path)
    msg = str(info.value)
    assert str(path) in msg and "weights[1][0]" in msg
    assert one_line(msg), repr(msg)


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage", None], ids=["binary", "missing"])
def test_load_unreadable_file_is_a_format_error(tmp_path, content):
    path = tmp_path / "f.bpviz.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(FormatError) as info:
        load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("where", [["layers", 0], ["data"], ["labels"], ["layers", 2, "activation"]])
def test_unknown_key_with_a_newline_gives_a_one_line_message(where):
    obj = mazur()
    target = obj
    for key in where:
        target = target[key]
    if isinstance(target, str):  # an activation name: use the object form
        _set(obj, where, {"name": target})
        target = obj
        for key in where:
            target = target[key]
    target["bad\nkey"] = 1
    with pytest.raises(FormatError) as info:
        loads(text_of(obj))
    assert one_line(str(info.value)), repr(str(info.value))


def test_init_with_an_absurd_layer_size_is_a_format_error():
    obj = mazur()
    del obj["weights"]
    obj["init"] = {"scheme": "uniform", "scale": 0.5, "seed": 0}
    obj["layers"][1]["size"] = 2**53 + 1  # a hidden layer: the data rows cannot catch it
    del obj["labels"]
    with pytest.raises(FormatError) as info:
        loads(text_of(obj))
    assert one_line(str(info.value))


@pytest.mark.parametrize(
    "where", [["title"], ["layers", 1, "name"], ["labels", "neurons", 0, 0], ["x_custom"]]
)
def test_a_file_that_loads_can_be_saved(where, tmp_path):
    """A lone surrogate (valid JSON: "\\ud800") is either rejected or saved faithfully."""
    obj = mazur()
    _set(obj, where, "a\ud800b")
    text = json.dumps(obj)  # ASCII, the surrogate as an escape
    try:
        doc = loads(text)
    except FormatError as e:
        assert one_line(str(e))
        return
    target = tmp_path / "net.bpviz.json"
    save(doc, target)
    again = load(target)
    assert json.loads(dumps(again)) == json.loads(dumps(doc))


# ------------------------------------------------------------------------------ fuzzing
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from([0, 1, -1, 2, 3, 10**6, 2**63, -(2**64), 10**400, -(10**400)])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["bpviz/1", "init", "sigmoid", "linear", "minibatch", "batch", "mse"])
)
KEYS = st.text(max_size=6) | st.sampled_from(["name", "size", "slope", "a\nb", "inputs", "step"])
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)


# values that are easy to confuse with the right ones
NASTY = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        1,
        2,
        0.0,
        -0.0,
        5e-324,
        1e308,
        -1e308,
        2**53 + 1,
        2**63,
        2**64,
        10**400,
        -(10**400),
        "",
        "1",
        "3",
        "sigmoid",
        [],
        {},
        [[]],
        [1.0],
        {"name": "linear"},
    ]
)


def _pick_path(data, obj, allow_root=True):
    """A random path (tuple of keys / indices) into obj: walk down from the root, stopping at
    each level below it with probability 1/4 (at the root 1/16), so every part of the file gets
    its share of damage."""
    path, cur = (), obj
    while True:
        children = (
            sorted(cur, key=lambda k: k == "format")
            if isinstance(cur, dict)
            else list(range(len(cur)))
            if isinstance(cur, list)
            else []
        )
        if not children:
            break
        # (a Random that hypothesis controls; "format" last, as hypothesis favours the first
        # choice and a broken format hides everything else)
        rnd = data.draw(st.randoms(use_true_random=False))
        stop = rnd.randrange(16 if not path else 4) == 0
        if stop and (path or allow_root):
            break
        key = rnd.choice(children)
        path, cur = path + (key,), cur[key]
    return path


def _parent(obj, path):
    for key in path[:-1]:
        obj = obj[key]
    return obj


def _mutate(data, obj):
    op = data.draw(st.sampled_from(["delete", "replace", "nasty", "add-key"]))
    path = _pick_path(data, obj, allow_root=op != "delete")
    if op == "delete":
        if path:
            del _parent(obj, path)[path[-1]]
        return obj
    if op == "add-key":
        target = obj if not path else _parent(obj, path)[path[-1]]
        if isinstance(target, dict):
            target[data.draw(KEYS)] = copy.deepcopy(data.draw(JSON_VALUES))
        return obj
    # a copy: sampled_from hands out the same list / dict every time, and later mutations
    # must not change the strategy's values
    value = copy.deepcopy(data.draw(JSON_VALUES if op == "replace" else NASTY))
    if not path:
        return value
    _parent(obj, path)[path[-1]] = value
    return obj


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(name=st.sampled_from(PRESETS), data=st.data())
def test_any_damage_is_a_document_or_a_format_error(name, data):
    obj = preset_obj(name)
    if data.draw(st.booleans()):  # sometimes start from a file that uses init
        obj.pop("weights", None)
        obj.pop("biases", None)
        obj["init"] = {"scheme": data.draw(st.sampled_from(["uniform", "xavier"])), "seed": 1}
        if data.draw(st.booleans()):
            obj["biases"] = "init"
    for _ in range(data.draw(st.sampled_from([1, 1, 1, 2, 3]))):
        obj = _mutate(data, obj)
    text = json.dumps(obj, ensure_ascii=data.draw(st.booleans()), allow_nan=False)
    if data.draw(st.integers(0, 4)) == 0:
        text = text[: data.draw(st.integers(0, len(text)))]
    try:
        doc = loads(text)
    except FormatError as e:
        msg = str(e)
        assert one_line(msg), repr(msg)
    else:
        assert isinstance(doc, Document)
        # whatever loads can be saved (as UTF-8) and loads again to the same parameters
        text = dumps(doc)
        text.encode("utf-8")
        again = loads(text)
        assert as_lists(again.network.weights) == as_lists(doc.network.weights)


# ------------------------------------------------------------------------------ atomic save
class _Boom(OSError):
    pass


def _fail_fsync(monkeypatch):
    def boom(fd):
        raise _Boom(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)


def _fail_replace(monkeypatch):
    def boom(src, dst, *a, **k):
        raise _Boom(13, "Permission denied")

    monkeypatch.setattr(os, "replace", boom)
    monkeypatch.setattr(os, "rename", boom)


def _fail_midway_write(monkeypatch):
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, f):
            self.f = f

        def write(self, s):
            self.f.write(s[: len(s) // 2])
            self.f.flush()
            raise _Boom(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()
            return False

    def fdopen(fd, *a, **k):
        return HalfWriter(real_fdopen(fd, *a, **k))

    monkeypatch.setattr(os, "fdopen", fdopen)


@pytest.mark.parametrize(
    "fail", [_fail_fsync, _fail_replace, _fail_midway_write], ids=["fsync", "replace", "midway-write"]
)
def test_save_is_atomic(tmp_path, monkeypatch, fail):
    folder = tmp_path / "nets"
    folder.mkdir()
    target = folder / "net.bpviz.json"
    old = dumps(load_preset("mazur"))
    target.write_text(old, encoding="utf-8")
    doc = load_preset("swap")
    fail(monkeypatch)
    with pytest.raises(OSError):
        save(doc, target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == old
    assert sorted(p.name for p in folder.iterdir()) == ["net.bpviz.json"]
    # and it works once the disk is fine again
    save(doc, target)
    assert target.read_text(encoding="utf-8") == dumps(doc)
    assert sorted(p.name for p in folder.iterdir()) == ["net.bpviz.json"]


def test_save_of_a_non_finite_document_writes_nothing(tmp_path):
    target = tmp_path / "net.bpviz.json"
    target.write_text("old", encoding="utf-8")
    doc = load_preset("mazur")
    doc.network.weights[0][0, 0] = np.inf
    with pytest.raises(ValueError):
        save(doc, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["net.bpviz.json"]


def test_save_creates_a_new_file_and_nothing_else(tmp_path):
    target = tmp_path / "new.bpviz.json"
    save(load_preset("xor-deep"), target)
    assert [p.name for p in tmp_path.iterdir()] == ["new.bpviz.json"]
    _check_against_file(load(target), preset_obj("xor-deep"))
