"""Building a network from the network dialog's spec: the same network a file with ``init``
loads, values kept where their positions survive an edit, every field checked."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpviz.core.build import (
    LayerSpec,
    NetworkSpec,
    SpecError,
    build_document,
    default_spec,
    draw_parameters,
    spec_from_document,
    spec_problems,
    validate_spec,
    with_features,
)
from bpviz.core.fileformat import Document, parse, to_json
from bpviz.core.presets import PRESETS, load_preset


def same_document(a: Document, b: Document) -> None:
    """Equal in every value the file format holds, float for float."""
    ja, jb = to_json(a), to_json(b)
    assert ja == jb
    for wa, wb in zip(a.network.weights, b.network.weights, strict=True):
        assert wa.dtype == wb.dtype == np.float64
        assert np.array_equal(wa, wb)
    assert (a.network.biases is None) == (b.network.biases is None)
    if a.network.biases is not None:
        for ba, bb in zip(a.network.biases, b.network.biases, strict=True):
            assert np.array_equal(ba, bb)
    assert a.network.activations == b.network.activations
    assert a.network.loss == b.network.loss


def file_with_init(spec: NetworkSpec) -> dict:
    """The bpviz/1 object that FORMAT.md says describes ``spec`` (placeholder data of zeros)."""
    layers = [{"name": spec.layers[0].name, "size": spec.layers[0].size}]
    for ly in spec.layers[1:]:
        act = {"name": "linear", "slope": ly.slope} if ly.activation == "linear" else ly.activation
        layers.append({"name": ly.name, "size": ly.size, "activation": act})
    init = {"scheme": spec.init_scheme, "seed": spec.init_seed}
    if spec.init_scheme == "uniform":
        init["scale"] = spec.init_scale
    obj = {
        "format": "bpviz/1",
        "title": spec.title,
        "layers": layers,
        "init": init,
        "train_biases": spec.train_biases,
        "loss": spec.loss,
        "learning_rate": spec.learning_rate,
        "mode": spec.mode,
        "data": {
            "inputs": [[0.0] * spec.sizes[0]] * spec.n_samples,
            "targets": [[0.0] * spec.sizes[-1]] * spec.n_samples,
        },
    }
    if spec.biases:
        obj["biases"] = "init"
    if spec.batch_size is not None:
        obj["batch_size"] = spec.batch_size
    if spec.shuffle_seed is not None:
        obj["shuffle_seed"] = spec.shuffle_seed
    return obj


def spec_323(**kw) -> NetworkSpec:
    layers = [
        LayerSpec("x", 3),
        LayerSpec("h", 4, "tanh"),
        LayerSpec("z", 2, "relu"),
        LayerSpec("y", 3, "linear", 2.5),
    ]
    return NetworkSpec(layers, **kw)


# -------------------------------------------------------------------- equals a file with init
@pytest.mark.parametrize("scheme", ["uniform", "xavier"])
@pytest.mark.parametrize("biases", [True, False])
def test_a_new_network_equals_the_file_with_its_init(scheme, biases):
    spec = spec_323(
        biases=biases,
        train_biases=False,
        loss="mse",
        learning_rate=0.125,
        init_scheme=scheme,
        init_scale=0.75,
        init_seed=7,
        title="t",
    )
    doc, notes = build_document(spec)
    same_document(doc, parse(file_with_init(spec)))
    assert doc.network.has_biases is biases
    assert doc.session is None
    assert notes == ["The data is a placeholder: 1 sample of zeros."]


def test_default_spec_equals_its_file_and_minibatch_settings_carry_over():
    spec = default_spec()
    assert spec.sizes == [2, 2, 1] and spec.biases
    same_document(build_document(spec)[0], parse(file_with_init(spec)))
    spec = spec_323(mode="minibatch", batch_size=2, shuffle_seed=9, n_samples=3, init_seed=123)
    doc = build_document(spec)[0]
    assert (doc.mode, doc.batch_size, doc.shuffle_seed, doc.n_samples) == ("minibatch", 2, 9, 3)
    same_document(doc, parse(file_with_init(spec)))


def test_the_draw_is_formats_init_order_weights_then_biases():
    w, b = draw_parameters([2, 3, 1], "uniform", 0.5, 4, biases=True)
    rng = np.random.default_rng(4)
    assert np.array_equal(w[0], rng.uniform(-0.5, 0.5, (3, 2)))
    assert np.array_equal(w[1], rng.uniform(-0.5, 0.5, (1, 3)))
    assert np.array_equal(b[0], rng.uniform(-0.5, 0.5, 3))
    assert np.array_equal(b[1], rng.uniform(-0.5, 0.5, 1))
    w, b = draw_parameters([2, 3, 1], "xavier", 99.0, 4)
    rng = np.random.default_rng(4)
    a = math.sqrt(6.0 / 5)
    assert b is None and np.array_equal(w[0], rng.uniform(-a, a, (3, 2)))


# -------------------------------------------------------------------- round trip of presets
@pytest.mark.parametrize("name", PRESETS)
def test_spec_of_a_preset_rebuilds_the_preset(name):
    old = load_preset(name)
    spec = spec_from_document(old)
    assert spec.sizes == old.network.sizes and spec.n_samples == old.n_samples
    doc, notes = build_document(spec, old)
    assert notes == []
    old.session = None
    same_document(doc, old)
    assert doc.description == old.description
    assert spec_from_document(doc) == spec


# -------------------------------------------------------------------- edits keep what fits
def test_growing_a_hidden_layer_keeps_the_old_block_and_draws_the_rest_from_the_seed():
    old = load_preset("mazur")
    spec = spec_from_document(old)
    spec.layers[1] = spec.layers[1]._replace(size=3)
    spec.init_seed = 11
    doc, notes = build_document(spec, old)
    net = doc.network
    assert net.sizes == [2, 3, 2]
    fresh = parse(file_with_init(spec) | {"biases": "init"}).network  # the plain seeded draw
    w0, w1 = net.weights
    assert np.array_equal(w0[:2], old.network.weights[0])  # w1..w4
    assert np.array_equal(w0[2], fresh.weights[0][2])
    assert np.array_equal(w1[:, :2], old.network.weights[1])  # w5..w8
    assert np.array_equal(w1[:, 2], fresh.weights[1][:, 2])
    assert np.array_equal(net.biases[0][:2], [0.35, 0.35])
    assert net.biases[0][2] == fresh.biases[0][2]
    assert np.array_equal(net.biases[1], [0.6, 0.6])
    assert net.train_biases is False
    # data unchanged (input and output sizes are the same); the note says what was drawn
    assert np.array_equal(doc.inputs, old.inputs) and np.array_equal(doc.targets, old.targets)
    assert notes == [
        "Kept 8 of 12 weights; 4 drawn from seed 11, uniform ±0.5.",
        "Kept 4 of 5 biases; 1 drawn from seed 11, uniform ±0.5.",
    ]
    # labels: the changed layer and its matrices get default labels, the rest are kept
    lab = net.labels
    assert lab.neurons == [["i1", "i2"], ["h1", "h2", "h3"], ["o1", "o2"]]
    assert lab.weights[0][2] == ["w(h3,i1)", "w(h3,i2)"]
    assert lab.biases == [["b(h1)", "b(h2)", "b(h3)"], ["b2", "b2"]]


def test_shrinking_keeps_the_block_that_still_fits():
    old = load_preset("swap")  # 2-4-3-2
    spec = spec_from_document(old)
    spec.layers[1] = spec.layers[1]._replace(size=2)
    doc, notes = build_document(spec, old)
    w = doc.network.weights
    assert np.array_equal(w[0], old.network.weights[0][:2, :])
    assert np.array_equal(w[1], old.network.weights[1][:, :2])
    assert np.array_equal(w[2], old.network.weights[2])
    assert notes == []  # every remaining weight is an old one
    assert doc.network.labels.weights[2] == old.network.labels.weights[2]


def test_changing_only_settings_keeps_every_value_and_label():
    old = load_preset("mazur")
    spec = spec_from_document(old)
    spec.layers[2] = spec.layers[2]._replace(activation="tanh")
    spec.learning_rate, spec.loss, spec.train_biases = 0.1, "sse", True
    doc, notes = build_document(spec, old)
    assert notes == []
    assert doc.network.labels == old.network.labels  # w1..w8, b1, b2
    for a, b in zip(doc.network.weights, old.network.weights, strict=True):
        assert np.array_equal(a, b)
    assert doc.network.activations[1].name == "tanh"
    assert (doc.learning_rate, doc.network.loss.name, doc.network.train_biases) == (0.1, "sse", True)


def test_renaming_a_layer_gives_it_default_labels():
    old = load_preset("mazur")
    spec = spec_from_document(old)
    spec.layers[1] = spec.layers[1]._replace(name="z")
    doc, _ = build_document(spec, old)
    lab = doc.network.labels
    assert lab.neurons[1] == ["z1", "z2"]
    assert lab.weights[0] == [["w(z1,i1)", "w(z1,i2)"], ["w(z2,i1)", "w(z2,i2)"]]
    assert lab.weights[1][0] == ["w(o1,z1)", "w(o1,z2)"]
    assert np.array_equal(doc.network.weights[0], old.network.weights[0])  # values stay


def test_removing_and_adding_layers_follows_the_origins():
    old = load_preset("swap")  # a(2)-b(4)-c(3)-d(2)
    spec = spec_from_document(old)
    del spec.layers[2]  # a-b-d: b→d never existed, so it is drawn
    doc, _ = build_document(spec, old)
    fresh, _ = draw_parameters([2, 4, 2], "uniform", 0.5, 0)
    assert np.array_equal(doc.network.weights[0], old.network.weights[0])
    assert np.array_equal(doc.network.weights[1], fresh[1])
    # a new layer before the output: the output's matrix is new too
    spec = spec_from_document(old)
    spec.layers.insert(3, LayerSpec("e", 3, "relu"))
    doc, _ = build_document(spec, old)
    fresh, _ = draw_parameters(spec.sizes, "uniform", 0.5, 0)
    for j in range(2):  # a→b, b→c
        assert np.array_equal(doc.network.weights[j], old.network.weights[j])
    for j in range(2, 4):  # c→e, e→d
        assert np.array_equal(doc.network.weights[j], fresh[j])
    assert doc.network.labels.neurons[3] == ["e1", "e2", "e3"]


def test_data_keeps_its_samples_and_fits_the_columns():
    old = load_preset("xor")  # 2-2-1, 4 samples
    spec = spec_from_document(old)
    spec.layers[0] = spec.layers[0]._replace(size=3)
    spec.layers[2] = spec.layers[2]._replace(size=1)
    doc, notes = build_document(spec, old)
    assert doc.inputs.shape == (4, 3)
    assert np.array_equal(doc.inputs[:, :2], old.inputs) and not doc.inputs[:, 2].any()
    assert "The inputs had 2 columns and now have 3: the new column is 0 in every sample." in notes
    spec.layers[0] = spec.layers[0]._replace(size=1)
    spec.layers[2] = spec.layers[2]._replace(size=3)
    doc, notes = build_document(spec, old)
    assert np.array_equal(doc.inputs, old.inputs[:, :1])
    assert np.array_equal(doc.targets[:, :1], old.targets) and not doc.targets[:, 1:].any()
    assert "The inputs had 2 columns and now have 1: the last column was dropped." in notes
    assert "The targets had 1 column and now have 3: the new columns are 0 in every sample." in notes


def test_biases_switched_on_are_drawn_and_switched_off_are_gone():
    old = load_preset("swap")  # no biases
    spec = spec_from_document(old)
    spec.biases = True
    doc, notes = build_document(spec, old)
    _, fresh = draw_parameters(spec.sizes, "uniform", 0.5, 0, biases=True)
    for a, b in zip(doc.network.biases, fresh, strict=True):
        assert np.array_equal(a, b)
    assert notes == ["Kept 0 of 9 biases; 9 drawn from seed 0, uniform ±0.5."]
    spec = spec_from_document(load_preset("mazur"))
    spec.biases = False
    assert build_document(spec, load_preset("mazur"))[0].network.biases is None


def test_old_document_is_not_changed():
    old = load_preset("mazur")
    before = to_json(old)
    spec = spec_from_document(old)
    spec.layers[1] = spec.layers[1]._replace(size=5)
    doc, _ = build_document(spec, old)
    doc.network.weights[0][0, 0] = 9.0
    doc.inputs[0, 0] = 9.0
    assert to_json(old) == before


# -------------------------------------------------------------------- validation
def _with(**kw) -> NetworkSpec:
    spec = default_spec()
    for k, v in kw.items():
        setattr(spec, k, v)
    return spec


def _inputs(n: int) -> list[LayerSpec]:
    return [LayerSpec("i", n), LayerSpec("h", 2, "sigmoid"), LayerSpec("o", 1, "sigmoid")]


def _tanh_out() -> list[LayerSpec]:
    return [LayerSpec("i", 2), LayerSpec("h", 2, "sigmoid"), LayerSpec("o", 1, "tanh")]


def _layer(k: int, **kw) -> NetworkSpec:
    spec = default_spec()
    spec.layers[k] = spec.layers[k]._replace(**kw)
    return spec


@pytest.mark.parametrize(
    "spec, field, words",
    [
        (_layer(1, size=0), "layers[1].size", "at least 1"),
        (_layer(1, size=-2), "layers[1].size", "at least 1"),
        (_layer(0, size=4_097), "layers[0].size", "at most 4,096"),
        (_layer(1, size=2.0), "layers[1].size", "whole number"),
        (_layer(1, size=True), "layers[1].size", "whole number"),
        (_layer(1, size=None), "layers[1].size", "missing"),
        (_layer(2, name=""), "layers[2].name", "needs a name"),
        (_layer(2, name="  "), "layers[2].name", "needs a name"),
        (_layer(2, name="h"), "layers[1].name", 'another layer is named "h" too'),
        (_layer(0, activation="tanh"), "layers[0].activation", "no activation"),
        (_layer(1, activation="softplus"), "layers[1].activation", "expected one of"),
        (_layer(1, activation="softmax"), "layers[1].activation", "only be the output layer"),
        (_layer(2, activation="softmax"), "layers[2].activation", "at least 2 neurons"),
        (_with(loss="cross_entropy"), "loss", "needs a softmax output layer"),
        (_with(loss="binary_cross_entropy", layers=_tanh_out()), "loss", "needs a sigmoid output layer"),
        (_with(features=["x3^2"], layers=_inputs(3)), "features[0]", "uses input 3"),
        (_with(features=["x1^2", "x1^2"], layers=_inputs(4)), "features[1]", "listed twice"),
        (_with(features=["x2*x1"], layers=_inputs(3)), "features[0]", "smaller input first"),
        (_with(features=["x1^2", "x2^2"]), "features", "leave no raw input"),
        (_layer(1, activation="linear", slope=math.inf), "layers[1].slope", "finite"),
        (_with(layers=[LayerSpec("i", 2)]), "layers", "at least 2 layers"),
        (
            _with(layers=[LayerSpec("i", 4_000), LayerSpec("o", 1000, "relu")]),
            "layers",
            "more than bpviz handles",
        ),
        (_with(learning_rate=0.0), "learning_rate", "greater than 0"),
        (_with(learning_rate=-1.0), "learning_rate", "greater than 0"),
        (_with(learning_rate=math.nan), "learning_rate", "finite"),
        (_with(learning_rate=math.inf), "learning_rate", "finite"),
        (_with(learning_rate=None), "learning_rate", "missing"),
        (_with(loss="mae"), "loss", "expected one of"),
        (_with(mode="stochastic"), "mode", "expected one of"),
        (_with(mode="minibatch"), "batch_size", "needs a batch size"),
        (_with(mode="minibatch", batch_size=2), "batch_size", "at most 1"),
        (_with(mode="minibatch", batch_size=0), "batch_size", "positive"),
        (_with(shuffle_seed=-1), "shuffle_seed", "≥ 0"),
        (_with(init_scheme="normal"), "init.scheme", "uniform"),
        (_with(init_scale=0.0), "init.scale", "greater than 0"),
        (_with(init_scale=math.inf), "init.scale", "finite"),
        (_with(init_seed=-3), "init.seed", "≥ 0"),
        (_with(init_seed=1.5), "init.seed", "≥ 0"),
    ],
)
def test_spec_errors_name_the_field(spec, field, words):
    with pytest.raises(SpecError) as e:
        build_document(spec)
    assert e.value.field == field
    assert words in e.value.reason
    assert str(e.value).startswith(field + ": ")


def test_every_problem_is_listed_and_xavier_ignores_the_scale():
    spec = _with(learning_rate=0.0, init_seed=-1)
    spec.layers[1] = spec.layers[1]._replace(size=0)
    assert [p.field for p in spec_problems(spec)] == ["layers[1].size", "learning_rate", "init.seed"]
    validate_spec(_with(init_scheme="xavier", init_scale=None))
    # names used twice mark every layer using them; a missing size skips the weight count
    spec = default_spec()
    spec.layers[2] = spec.layers[2]._replace(name="h", size=None)
    assert [p.field for p in spec_problems(spec)] == ["layers[2].size", "layers[1].name", "layers[2].name"]


def test_batch_size_is_bounded_by_the_old_documents_samples():
    old = load_preset("xor")  # 4 samples
    spec = spec_from_document(old)
    spec.mode, spec.batch_size = "minibatch", 4
    assert build_document(spec, old)[0].batch_size == 4
    spec.batch_size = 5
    with pytest.raises(SpecError, match="batch_size: at most 4"):
        build_document(spec, old)


def test_an_origin_beyond_the_old_network_is_an_error():
    old = load_preset("mazur")
    spec = spec_from_document(old)
    spec.layers[1] = spec.layers[1]._replace(origin=7)
    with pytest.raises(SpecError) as e:
        build_document(spec, old)
    assert e.value.field == "layers[1].origin"


def test_the_dialog_builds_nothing_the_loader_would_refuse():
    """The network dialog's model holds a network and its data to the loader's limits
    (bpviz.core.limits), so File → New never makes a file that will not open again."""
    from bpviz.core import build, limits

    wide = build.NetworkSpec([build.LayerSpec("x", 4_000), build.LayerSpec("h", 300, "sigmoid")])
    assert any("weights" in e.reason for e in build.spec_problems(wide))  # 1.2 M > 1 M weights
    many = build.NetworkSpec(
        [build.LayerSpec("x", 784), build.LayerSpec("y", 10, "sigmoid")], n_samples=limits.MAX_SAMPLES + 1
    )
    assert any(e.field == "n_samples" for e in build.spec_problems(many))
    ok = build.NetworkSpec([build.LayerSpec("x", 784), build.LayerSpec("y", 10, "sigmoid")], n_samples=60_000)
    assert build.spec_problems(ok) == []


# -------------------------------------------------------------------- issue 14: classes, test rows, features
def test_rebuilding_keeps_test_rows_classes_and_generator():
    old = load_preset("circle")
    spec = spec_from_document(old)
    spec.layers[1] = spec.layers[1]._replace(size=6)  # a wider hidden layer: the data is the same
    doc, notes = build_document(spec, old)
    assert np.array_equal(doc.test_inputs, old.test_inputs) and np.array_equal(
        doc.test_targets, old.test_targets
    )
    assert doc.classes == old.classes and doc.generator == old.generator
    assert doc.generator is not old.generator and doc.classes is not old.classes
    assert not any("generator" in n or "class" in n for n in notes)
    again = parse(to_json(doc))  # and it saves into a file that loads
    assert again.n_test == old.n_test and again.generator == old.generator


def test_rebuilding_with_other_outputs_drops_what_no_longer_fits():
    old = load_preset("circle")
    spec = spec_from_document(old)
    spec.layers[-1] = spec.layers[-1]._replace(size=3)
    doc, notes = build_document(spec, old)
    assert doc.classes is None and doc.generator is None
    assert doc.test_targets.shape == (60, 3) and doc.targets.shape == (140, 3)
    assert any("class names (inside, outside)" in n for n in notes)
    assert any("generator (circle) makes" in n for n in notes)
    parse(to_json(doc))  # still a file bpviz opens


def test_a_tanh_output_forgets_the_generator_of_0_1_targets():
    old = load_preset("moons")
    spec = spec_from_document(old)
    spec.layers[-1] = spec.layers[-1]._replace(activation="tanh")
    spec.loss = "half_sse"
    doc, notes = build_document(spec, old)
    assert doc.generator is None and doc.classes == old.classes and len(notes) == 1


def test_softmax_and_cross_entropy_build_with_one_hot_placeholder_targets():
    spec = default_spec()
    spec.layers[-1] = spec.layers[-1]._replace(size=3, activation="softmax")
    spec.loss = "cross_entropy"
    spec.n_samples = 4
    doc, _ = build_document(spec)
    assert doc.network.activations[-1].name == "softmax" and doc.network.loss.name == "cross_entropy"
    assert doc.targets.tolist() == [[1.0, 0.0, 0.0]] * 4
    parse(to_json(doc))
    assert spec_from_document(doc).loss == "cross_entropy"


def test_targets_the_new_loss_cannot_take_are_refused_on_the_loss():
    old = load_preset("xor")  # one output of 0/1: binary cross-entropy takes it, not 1.5
    spec = spec_from_document(old)
    spec.loss = "binary_cross_entropy"
    doc, _ = build_document(spec, old)
    assert doc.network.loss.name == "binary_cross_entropy"
    old.targets[0, 0] = 1.5
    with pytest.raises(SpecError) as e:
        build_document(spec, old)
    assert e.value.field == "loss" and "from 0 to 1" in e.value.reason


def test_features_build_like_a_file_that_lists_them():
    spec = with_features(default_spec(), ["x1^2", "x1*x2"])
    assert spec.layers[0].size == 4 and spec.n_raw == 2
    doc, _ = build_document(spec)
    net = doc.network
    assert net.features == ("x1^2", "x1*x2") and net.sizes[0] == 4 and doc.inputs.shape == (1, 2)
    assert net.labels.neurons[0] == ["i1", "i2", "i1²", "i1·i2"]
    assert to_json(doc)["features"] == ["x1^2", "x1*x2"]
    same_document(parse(to_json(doc)), doc)
    assert spec_from_document(doc).features == ["x1^2", "x1*x2"]


def test_changing_features_keeps_the_raw_data_and_labels():
    old, _ = build_document(with_features(default_spec(), ["x1^2"]))
    old.inputs = np.array([[0.5, -2.0]])
    old.network.labels.neurons[0][:2] = ["a", "b"]
    spec = with_features(spec_from_document(old), ["x1*x2", "sin(x2)"])
    doc, notes = build_document(spec, old)
    assert doc.inputs.tolist() == [[0.5, -2.0]] and not any("inputs" in n for n in notes)
    assert doc.network.labels.neurons[0] == ["a", "b", "a·b", "sin b"]
    assert doc.network.weights[0].shape == (2, 4)
    spec = with_features(spec_from_document(doc), [])
    plain, _ = build_document(spec, doc)
    assert plain.network.features == () and plain.network.labels.neurons[0] == ["a", "b"]
