"""The loader's limits (bpviz/core/limits.py, docs/FORMAT.md "Limits"): text that is text,
names and labels of bounded length, a saved session that resumes without replaying for ever,
bounded JSON, and rows of numbers read straight into numpy — the same values and messages as
json gives, for a fraction of the memory."""

from __future__ import annotations

import json
import random
import re
import tracemalloc

import numpy as np
import pytest

from bpviz.core import json_values, limits
from bpviz.core.fileformat import FormatError, dumps, loads
from bpviz.core.presets import PRESETS, preset_path


def preset_obj(name: str) -> dict:
    return json.loads(preset_path(name).read_text(encoding="utf-8"))


def refused(obj_or_text) -> FormatError:
    text = obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text)
    with pytest.raises(FormatError) as info:
        loads(text)
    msg = str(info.value)
    assert msg.strip() and "\n" not in msg and "\r" not in msg, repr(msg)
    return info.value


def _set(obj, path, value):
    cur = obj
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    return obj


# ------------------------------------------------------------------------------ text
TEXT_FIELDS = {
    "title": ["title"],
    "description": ["description"],
    "layers[1].name": ["layers", 1, "name"],
    "labels.neurons[2][1]": ["labels", "neurons", 2, 1],
    "labels.weights[0][1][0]": ["labels", "weights", 0, 1, 0],
    "labels.biases[1][0]": ["labels", "biases", 1, 0],
}
BAD_CHARS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\u202e", "\u2066", "\u200f", "\u061c", "\r"]


@pytest.mark.parametrize(
    ("where", "char"),
    [(w, c) for w in TEXT_FIELDS for c in BAD_CHARS if not (w == "description" and c == "\r")],
    ids=[
        f"{w}-U+{ord(c):04X}"
        for w in TEXT_FIELDS
        for c in BAD_CHARS
        if not (w == "description" and c == "\r")
    ],
)
def test_control_and_bidi_characters_are_refused_naming_the_path(where, char):
    obj = _set(preset_obj("mazur"), TEXT_FIELDS[where], f"a{char}b")
    e = refused(obj)
    assert e.json_path == where and f"U+{ord(char):04X}" in e.reason


@pytest.mark.parametrize("where", list(TEXT_FIELDS) + ["x_custom", "session.x"])
def test_a_lone_surrogate_is_refused_wherever_it_is(where):
    obj = preset_obj("mazur")
    obj["session"] = {"step": 0}
    if where == "x_custom":
        obj["x_custom"] = ["ok", "a\ud800b"]
        where = "x_custom[1]"
    elif where == "session.x":
        obj["session"]["x"] = "\udc80"
    else:
        _set(obj, TEXT_FIELDS[where], "a\ud800b")
    e = refused(json.dumps(obj))  # ASCII: the surrogate as a "\ud800" escape
    assert e.json_path == where and "lone surrogate" in e.reason


def test_a_surrogate_in_a_key_is_refused():
    obj = preset_obj("mazur")
    obj["x\udc00"] = 1
    assert "lone surrogate" in refused(obj).reason


def test_a_description_may_have_tabs_and_line_breaks():
    obj = preset_obj("mazur")
    obj["description"] = "Line one\n\tindented\r\nline three — ünïcode, 😀"
    assert loads(json.dumps(obj)).description == obj["description"]


@pytest.mark.parametrize(
    ("where", "limit"),
    [
        ("title", limits.MAX_TITLE_CHARS),
        ("description", limits.MAX_DESCRIPTION_CHARS),
        ("layers[1].name", limits.MAX_NAME_CHARS),
        ("labels.neurons[2][1]", limits.MAX_LABEL_CHARS),
        ("labels.weights[0][1][0]", limits.MAX_PARAM_LABEL_CHARS),
        ("labels.biases[1][0]", limits.MAX_PARAM_LABEL_CHARS),
    ],
)
def test_text_lengths_up_to_the_limit_and_not_past_it(where, limit):
    ok = _set(preset_obj("mazur"), TEXT_FIELDS[where], "é" * limit)
    loads(json.dumps(ok))
    e = refused(_set(preset_obj("mazur"), TEXT_FIELDS[where], "é" * (limit + 1)))
    assert e.json_path == where and f"at most {limit:,} characters" in e.reason


def test_default_labels_of_the_longest_names_are_within_the_limits():
    """A weight's default label is made of two neuron labels: what loads saves and loads again."""
    obj = preset_obj("mazur")
    del obj["labels"]
    for k, layer in enumerate(obj["layers"]):
        layer["name"] = chr(ord("a") + k) * limits.MAX_NAME_CHARS
    doc = loads(json.dumps(obj))
    loads(dumps(doc))
    obj = preset_obj("mazur")
    obj["labels"] = {
        "neurons": [[f"{k}{i}" + "n" * (limits.MAX_LABEL_CHARS - 2) for i in range(2)] for k in range(3)]
    }
    doc = loads(json.dumps(obj))
    loads(dumps(doc))


def test_a_ten_megabyte_label_is_refused_with_its_length():
    e = refused(_set(preset_obj("mazur"), ["labels", "neurons", 1, 0], "L" * 10_000_000))
    assert e.json_path == "labels.neurons[1][0]" and "10,000,000" in e.reason


# ------------------------------------------------------------------------------ sizes
@pytest.mark.parametrize(
    ("sizes", "where"),
    [
        ([4097, 1], "layers[0].size"),
        ([2, 10**100, 1], "layers[1].size"),
        ([1] * (limits.MAX_LAYERS + 1), "layers"),
        ([4000, 4000, 4000, 4000, 1], "layers"),  # 16,001 neurons
        ([1000, 1001], "layers"),  # 1,001,000 weights
    ],
)
def test_network_limits_name_the_path(sizes, where):
    obj = {
        "format": "bpviz/1",
        "layers": [{"name": f"L{k}", "size": n} for k, n in enumerate(sizes)],
        "init": {"seed": 0},
        "data": {"inputs": [[0.0]], "targets": [[0.0]]},
    }
    for layer in obj["layers"][1:]:
        layer["activation"] = "relu"
    e = refused(obj)
    assert e.json_path == where and "bpviz" in e.reason


def test_too_many_samples_are_refused_before_the_rows_are_read():
    obj = preset_obj("xor")
    obj["data"] = {
        "inputs": [[0.0, 1.0]] * (limits.MAX_SAMPLES + 1),
        "targets": [[1.0]] * (limits.MAX_SAMPLES + 1),
    }
    e = refused(obj)
    assert e.json_path == "data.inputs" and f"{limits.MAX_SAMPLES:,}" in e.reason


def test_init_scale_too_big_to_draw_is_refused():
    obj = preset_obj("xor")
    del obj["weights"]
    obj["init"] = {"scheme": "uniform", "scale": 1e308}  # uniform(-a, a) overflowed: a traceback
    assert refused(obj).json_path == "init.scale"


def test_nesting_past_the_limit_names_where():
    obj = preset_obj("mazur")
    deep: object = 0
    for _ in range(limits.MAX_DEPTH + 5):
        deep = [deep]
    obj["x_deep"] = deep
    e = refused(obj)
    assert e.json_path.startswith("x_deep[0]") and f"{limits.MAX_DEPTH}" in e.reason
    obj["x_deep"] = [[[[1]]]]
    assert loads(json.dumps(obj)).extra["x_deep"] == [[[[1]]]]


@pytest.mark.parametrize("depth", [5_000, 1_000_000])
def test_brackets_nested_past_json_are_a_message(depth):
    refused("[" * depth + "]" * depth)
    refused('{"format": "bpviz/1", "x": ' + "[" * depth)


def test_too_many_json_values_are_counted_before_python_builds_them(monkeypatch):
    monkeypatch.setattr(limits, "MAX_JSON_VALUES", 50)
    e = refused(preset_obj("swap"))
    assert "too many JSON values" in e.reason


def test_too_many_numbers_are_refused(monkeypatch):
    monkeypatch.setattr(json_values, "FAST_MIN_TEXT", 0)
    monkeypatch.setattr(json_values, "FAST_MIN_SPAN", 0)
    monkeypatch.setattr(limits, "MAX_FILE_NUMBERS", 10)
    assert "numbers in the file" in refused(preset_obj("swap")).reason


# ------------------------------------------------------------------------------ session
def _shuffled(step: int, samples: int = 4, batch: int = 1) -> dict:
    obj = preset_obj("xor")
    obj["data"] = {"inputs": [[0.0, 1.0]] * samples, "targets": [[1.0]] * samples}
    obj.update(mode="minibatch", batch_size=batch, shuffle_seed=3)
    obj["session"] = {"step": step}
    return obj


@pytest.mark.parametrize("step", [10**9 + 1, 10**18, 10**100])
def test_an_absurd_session_step_is_refused(step):
    obj = preset_obj("swap")
    obj["session"] = {"step": step}
    e = refused(obj)
    assert e.json_path == "session.step" and "1,000,000,000" in e.reason and len(str(e)) < 200


@pytest.mark.parametrize("step", [1e9, 1e100])
def test_a_session_step_written_as_a_float_is_refused(step):
    assert refused(_set(preset_obj("swap"), ["session"], {"step": step})).json_path == "session.step"


def test_a_big_step_online_resumes_without_replay():
    obj = preset_obj("swap")
    obj["session"] = {"step": limits.MAX_SESSION_STEP, "error_history": [0.5]}
    assert loads(json.dumps(obj)).session["step"] == limits.MAX_SESSION_STEP


def test_shuffled_minibatches_are_refused_only_past_the_replay_bound():
    """epochs × (samples + 150) draws to restore the order of the step's epoch."""
    per_epoch = 4 + limits.REPLAY_DRAW_COST
    last_ok = (limits.MAX_REPLAY_DRAWS // per_epoch - 1) * 4  # steps: 4 per epoch (batch 1)
    loads(json.dumps(_shuffled(last_ok)))
    e = refused(_shuffled(last_ok + 4))
    assert e.json_path == "session.step" and "draws" in e.reason


def test_a_long_error_history_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_HISTORY", 3)
    obj = _set(preset_obj("swap"), ["session"], {"step": 4, "error_history": [0.5, 0.4, 0.3, 0.2]})
    assert refused(obj).json_path == "session.error_history"


# ------------------------------------------------------------------------------ rows of numbers
@pytest.fixture
def fast(monkeypatch):
    """Every array of numbers through the numpy path, however small."""
    monkeypatch.setattr(json_values, "FAST_MIN_TEXT", 0)
    monkeypatch.setattr(json_values, "FAST_MIN_SPAN", 0)


def _slow(text: str):
    old = json_values.FAST_MIN_TEXT
    json_values.FAST_MIN_TEXT = 1 << 62
    try:
        return loads(text)
    except FormatError as e:
        return e
    finally:
        json_values.FAST_MIN_TEXT = old


def _same(a, b) -> None:
    """Two load results are the same Document (bit for bit) or the same error."""
    if isinstance(a, FormatError) or isinstance(b, FormatError):
        assert str(a) == str(b)
        return
    for x, y in zip(
        [*a.network.weights, a.inputs, a.targets], [*b.network.weights, b.inputs, b.targets], strict=True
    ):
        assert x.shape == y.shape and x.tobytes() == y.tobytes()
    assert a.session == b.session and a.extra == b.extra
    assert dumps(a) == dumps(b)


NUMBERS = [
    "0",
    "-0",
    "-0.0",
    "0.5",
    "1e5",
    "1E-5",
    "-2.5e+3",
    "123456789012345678901234567890",
    "5e-324",
    "1.7976931348623157e308",
    "0.1000000000000000055511151231257827",
    "7",
]


def _random_text(rnd: random.Random) -> str:
    obj = preset_obj(rnd.choice(PRESETS))
    obj["x_custom"] = {"ints": [1, 2, 3], "mixed": [1, 2.5, -0]}
    obj["session"] = {"step": 2, "error_history": [0.5, 0.25]}
    text = json.dumps(obj, indent=rnd.choice([None, 0, 2, "\t"]))
    # some numbers spelt otherwise, a few replaced by things that are not numbers
    bad = ["NaN", "1e999", "true", '"1"', "[]", "[1]", "null"]
    p_other, p_bad = rnd.choice([(0.1, 0.0), (0.3, 0.0), (0.1, 0.01)])
    out, i = [], 0
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?', text):
        out.append(text[i : m.start()])
        r = rnd.random()
        if m.group().startswith('"') or r >= p_other + p_bad:
            out.append(m.group())
        else:
            out.append(rnd.choice(NUMBERS) if r < p_other else rnd.choice(bad))
        i = m.end()
    out.append(text[i:])
    text = "".join(out)
    if rnd.random() < 0.1:
        text = text[: rnd.randrange(len(text))]
    return text


def test_the_numpy_path_reads_what_json_reads(fast):
    rnd = random.Random(4)
    for _ in range(300):
        text = _random_text(rnd)
        try:
            got = loads(text)
        except FormatError as e:
            got = e
        _same(got, _slow(text))


def test_ints_in_unknown_keys_stay_ints_and_minus_zero_is_zero(fast):
    obj = preset_obj("mazur")
    obj["x_custom"] = {"big": list(range(1000)), "zeros": [-0, 0, 2**70]}
    obj["weights"][0][0][0] = "@-0@"
    doc = loads(json.dumps(obj).replace('"@-0@"', "-0"))
    assert doc.extra["x_custom"] == {"big": list(range(1000)), "zeros": [0, 0, 2**70]}
    assert type(doc.extra["x_custom"]["big"][5]) is int
    assert np.signbit(doc.network.weights[0][0, 0]) == np.signbit(float(json.loads("-0")))


def test_a_json_error_is_placed_in_the_original_text(fast):
    obj = preset_obj("swap")
    obj["data"]["inputs"] = [[0.1 * i, 0.2] for i in range(300)]
    obj["data"]["targets"] = [[1.0, 0.0] for _ in range(300)]
    text = json.dumps(obj, indent=2)
    cut = text[: text.index('"targets"') + 40] + " oops"
    with pytest.raises(json.JSONDecodeError) as want:
        json.loads(cut)
    got = refused(cut)
    assert str(got) == f"not valid JSON: {want.value}"


def test_an_array_where_a_key_belongs_is_not_json(fast):
    text = json.dumps(preset_obj("mazur"))
    bad = text[:-1] + ", [1, 2, 3]: 4}"
    assert "not valid JSON" in str(refused(bad))


def test_a_big_data_set_costs_its_array_not_python_floats():
    rnd = np.random.default_rng(0)
    m, n = 4000, 250  # 1 M numbers; as Python floats and lists: ~32 MB
    obj = {
        "format": "bpviz/1",
        "layers": [{"name": "i", "size": n}, {"name": "o", "size": 1, "activation": "sigmoid"}],
        "init": {"seed": 0},
        "data": {"inputs": np.round(rnd.random((m, n)), 3).tolist(), "targets": [[1.0]] * m},
    }
    text = json.dumps(obj)
    tracemalloc.start()
    try:
        doc = loads(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert doc.inputs.shape == (m, n) and doc.inputs.tolist() == obj["data"]["inputs"]
    assert peak < 3 * doc.inputs.nbytes, peak  # the array, its rows' text, the trace pass


# ------------------------------------------------------------------------------ saves
def test_a_save_writes_each_row_on_one_line_and_reads_back():
    doc = loads(preset_path("swap").read_text())
    doc.session = {"step": 2, "phase": 1, "error_history": [0.5, 0.25], "stop_error": None}
    text = dumps(doc)
    lines = {line.strip().rstrip(",") for line in text.splitlines()}
    for row in [*doc.network.weights[0], *doc.inputs, *doc.targets]:
        assert json.dumps(row.tolist()) in lines
    assert json.dumps(doc.network.labels.neurons[1]) in lines
    assert '"error_history": [0.5, 0.25]' in lines
    again = loads(text)
    assert dumps(again) == text


def _xor_text(key: str, value: str) -> str:
    obj = json.loads(preset_path("xor").read_text(encoding="utf-8"))
    obj[key] = "@V@"
    return json.dumps(obj).replace('"@V@"', value)


@pytest.mark.parametrize(
    "row", ["[1]", "[1.0, 2e3, -0]", "[ 0.5 ,1 ]", "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]"]
)
def test_a_row_where_a_number_belongs_is_shown_as_the_plain_reader_shows_it(fast, row):
    """The numpy path once wrote the row [1] as [1.0] in its message."""
    text = _xor_text("biases", f"[[{row}, {row}], [0]]")
    with pytest.raises(FormatError) as got:
        loads(text)
    want = _slow(text)
    assert isinstance(want, FormatError)
    assert str(got.value) == str(want)
    assert str(got.value).startswith("biases[0][0]: expected a number, got [")
    if row == "[1]":
        assert str(got.value).endswith("got [1]")
