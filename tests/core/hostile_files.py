"""Mutated bpviz/1 files: a seeded generator for fuzzing the loader (tests/core/test_fuzz_files.py)
and every command (benchmarks/fuzz_files.py). The same seed gives the same files.

Each file starts from a preset (sometimes switched to ``init``, minibatch with shuffling, or a
saved session) and gets one to three mutations of these kinds: a value of another type, a
deleted key, a wrong shape, a non-finite or huge number, a string that is not text (surrogates,
control and bidirectional characters, markup, very long labels), deep nesting, a duplicate key,
absurd sizes (layers, samples, ``session.step``), bad ``session`` contents; then sometimes byte
flips or truncation of the text itself.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator

from bpviz.core.presets import PRESETS, preset_path

KINDS = (
    "type",
    "delete",
    "shape",
    "nonfinite",
    "strings",
    "nesting",
    "dupkey",
    "huge",
    "session",
    "init",
)

NASTY = [
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
    10**400,
    "",
    "1",
    "sigmoid",
    "init",
    [],
    {},
    [[]],
    [1.0],
    {"name": "linear"},
    "<img src='/dev/zero'>",
]

BAD_TEXT = [
    "a\ud800b",  # a lone surrogate (JSON "\ud800")
    "\udfff",
    "nul\x00here",
    "esc\x1b[31mred",
    "rtl\u202eevil",
    "mark\u200fx",
    "line\u2028sep",
    "tab\there",
    "new\nline",
    "<img src='/dev/zero'>",
    "<b>bold</b> & <i>x</i>",
    "\\begin{document}$x$",
    "😀 emoji",
    "x" * 300,
]

# sizes the issue found (with init: nothing in the file but the sizes)
HUGE_LAYERS = [
    [7071, 7071],
    [100000, 500],
    [1, 100000, 1, 100000, 1],
    [1000, 1000, 1000],
    [300, 300],
    [500] * 200,
    [1] * 10000,
    [1, 99000, 500],
    [2**53 + 1, 1],
    [4096, 4096],
    [784, 128, 10],
]
HUGE_STEPS = [10**9, 10**12, 10**18, 10**100, 1e9, 1e18, 1e100, -1, 2**63]


def preset_obj(name: str) -> dict:
    return json.loads(preset_path(name).read_text(encoding="utf-8"))


def _paths(obj, prefix=()) -> list[tuple]:
    """Every path (tuple of keys / indices) into obj, the root excluded (12 levels deep at
    most, a few thousand entries of a list at most)."""
    out = []
    if len(prefix) >= 12:
        return out
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list):
        items = enumerate(obj[:2000])
    else:
        return out
    for k, v in items:
        p = (*prefix, k)
        out.append(p)
        out.extend(_paths(v, p))
    return out


def _get(obj, path):
    for k in path:
        obj = obj[k]
    return obj


def _set(obj, path, value):
    _get(obj, path[:-1])[path[-1]] = value


class Generator:
    """``files(n)`` yields (name, bytes) of n mutated files. ``heavy``: also files of several
    MB (10 MB labels, 120,000 samples) for the command-line benchmark."""

    def __init__(self, seed: int = 0, heavy: bool = False) -> None:
        self.rnd = random.Random(seed)
        self.heavy = heavy
        self.presets = {name: preset_obj(name) for name in PRESETS}

    # -- the starting file --------------------------------------------------------------
    def base(self) -> dict:
        r = self.rnd
        obj = copy.deepcopy(self.presets[r.choice(PRESETS)])
        roll = r.random()
        if roll < 0.2:
            obj.pop("weights", None)
            obj.pop("biases", None)
            obj["init"] = {"scheme": r.choice(["uniform", "xavier"]), "seed": r.randrange(5)}
            if r.random() < 0.5:
                obj["biases"] = "init"
        elif roll < 0.35:
            m = len(obj["data"]["inputs"])
            obj["mode"] = "minibatch"
            obj["batch_size"] = r.randint(1, m)
            obj["shuffle_seed"] = r.randrange(10)
        if r.random() < 0.25:
            obj["session"] = {"step": r.randrange(50), "phase": r.randrange(20), "error_history": [0.5, 0.4]}
        return obj

    # -- mutations of the object ----------------------------------------------------------
    def mutate(self, obj, kind: str):
        r = self.rnd
        paths = _paths(obj)
        if kind == "type" and paths:
            _set(obj, r.choice(paths), copy.deepcopy(r.choice(NASTY)))
        elif kind == "delete" and paths:
            p = r.choice(paths)
            del _get(obj, p[:-1])[p[-1]]
        elif kind == "shape":
            lists = [p for p in paths if isinstance(_get(obj, p), list) and _get(obj, p)]
            if lists:
                v = _get(obj, r.choice(lists))
                op = r.randrange(3)
                if op == 0:
                    v.append(copy.deepcopy(v[-1]))
                elif op == 1:
                    v.pop()
                else:
                    v.reverse()
                    v.insert(0, copy.deepcopy(v[0]) if not isinstance(v[0], list) else list(v[0][:1]))
        elif kind == "nonfinite":
            nums = [
                p
                for p in paths
                if isinstance(_get(obj, p), (int, float)) and not isinstance(_get(obj, p), bool)
            ]
            if nums:
                _set(
                    obj,
                    r.choice(nums),
                    r.choice(["@NaN@", "@Infinity@", "@-Infinity@", "@1e999@", 1e308, -1e308]),
                )
        elif kind == "strings":
            strs = [p for p in paths if isinstance(_get(obj, p), str)]
            where = r.choice(strs) if strs and r.random() < 0.7 else ("title",)
            text = r.choice(BAD_TEXT)
            if self.heavy and r.random() < 0.1:
                text = "L" * 10_000_000
            _set(obj, where, text)
        elif kind == "nesting":
            depth = r.choice([50, 101, 1000, 5000, 100_000])
            v: object = 0
            for _ in range(min(depth, 150)):
                v = [v] if r.random() < 0.5 else {"a": v}
            if depth > 150:
                obj["x_deep"] = "@DEEP@" + str(depth)
            else:
                target = r.choice([("x_deep",), ("session",), ("labels",), ("data", "inputs", 0)])
                try:
                    _set(obj, target, v)
                except (KeyError, IndexError, TypeError):
                    obj["x_deep"] = v
        elif kind == "dupkey":
            objs = [p for p in paths if isinstance(_get(obj, p), dict) and _get(obj, p)] + [()]
            p = r.choice(objs)
            d = _get(obj, p)
            if d:
                k = r.choice(list(d))
                d["@DUP@" + k] = r.choice([copy.deepcopy(d[k]), 1e9, "x", None])
        elif kind == "huge":
            self._huge(obj)
        elif kind == "session":
            self._session(obj)
        elif kind == "init":
            obj.pop("weights", None)
            obj["init"] = r.choice(
                [
                    {"scheme": "xavier"},
                    {"scheme": "uniform", "scale": r.choice([0.5, 1e308, -1, 0, "x"])},
                    {"seed": r.choice([0, -1, 2**70, 1.5])},
                    {"scheme": "normal"},
                    [],
                ]
            )
        return obj

    def _huge(self, obj) -> None:
        r = self.rnd
        roll = r.random()
        if roll < 0.5:
            sizes = r.choice(HUGE_LAYERS)
            obj["layers"] = [{"name": f"L{k}", "size": n} for k, n in enumerate(sizes)]
            for layer in obj["layers"][1:]:
                layer["activation"] = "sigmoid"
            for key in ("weights", "labels"):
                obj.pop(key, None)
            obj["init"] = {"scheme": "xavier", "seed": 0}
            obj["biases"] = "init" if r.random() < 0.5 else None
            n_in, n_out = sizes[0], sizes[-1]
            if n_in * n_out <= 1_000_000:
                obj["data"] = {"inputs": [[0.5] * n_in], "targets": [[0.5] * n_out]}
        elif roll < 0.75 and self.heavy:
            m = r.choice([100_001, 120_000])
            layers = obj.get("layers")
            try:
                n_in, n_out = int(layers[0]["size"]), int(layers[-1]["size"])
            except (TypeError, KeyError, IndexError, ValueError):
                n_in, n_out = 2, 1
            n_in, n_out = min(n_in, 8), min(n_out, 8)
            obj["data"] = {"inputs": [[0.5] * n_in] * m, "targets": [[1.0] * n_out] * m}
        else:
            layers = obj.get("layers")
            if isinstance(layers, list) and layers and isinstance(layers[-1], dict):
                layers[r.randrange(len(layers))]["size"] = r.choice([10**6, 2**31, 10**100, 4097, 10**18])

    def _session(self, obj) -> None:
        r = self.rnd
        if r.random() < 0.5 and isinstance(obj.get("data"), dict):
            inputs = obj["data"].get("inputs")
            if isinstance(inputs, list) and inputs:
                obj["mode"] = "minibatch"
                obj["batch_size"] = 1
                obj["shuffle_seed"] = 3
        obj["session"] = r.choice(
            [
                {"step": r.choice(HUGE_STEPS)},
                {"step": r.choice(HUGE_STEPS), "error_history": [0.3] * r.randrange(5)},
                {"step": 3, "error_history": ["x", None, "@NaN@"]},
                {"step": 2, "phase": r.choice([10**9, -5, 1e100, "last"])},
                {"stop_error": r.choice([0, -1, "@Infinity@", "0.1", 1e-300, None])},
                {"step": 1, "error_history": {"a": 1}},
                [],
                "session",
                {"step": 5, "error_history": [0.1] * 5, "x_extra": {"deep": [1, [2, [3]]]}},
            ]
        )

    # -- text ---------------------------------------------------------------------------
    def text(self, obj) -> bytes:
        r = self.rnd
        try:
            s = json.dumps(obj, ensure_ascii=r.random() < 0.5, indent=r.choice([None, 2]))
        except RecursionError:  # nested past json's own limit: write it without the nest
            obj.pop("x_deep", None)
            s = json.dumps(obj)
        for token in ("NaN", "Infinity", "-Infinity", "1e999"):
            s = s.replace(f'"@{token}@"', token)
        while '"@DUP@' in s:
            s = s.replace('"@DUP@', '"', 1)
        if '"@DEEP@' in s:
            i = s.index('"@DEEP@')
            j = s.index('"', i + 1)
            depth = int(s[i + 7 : j])
            s = s[:i] + "[" * depth + "0" + "]" * depth + s[j + 1 :]
        data = s.encode("utf-8", errors="surrogatepass")
        roll = r.random()
        if roll < 0.12 and data:  # byte flips
            b = bytearray(data)
            for _ in range(r.randint(1, 4)):
                b[r.randrange(len(b))] = r.randrange(256)
            data = bytes(b)
        elif roll < 0.22:  # truncation
            data = data[: r.randrange(len(data) + 1)]
        return data

    def files(self, n: int) -> Iterator[tuple[str, bytes]]:
        """n files of at most 1 MB each (``heavy``: 64 MB); a mutation that would make one
        bigger is drawn again."""
        r = self.rnd
        cap = 64 * 2**20 if self.heavy else 2**20
        for i in range(n):
            for _ in range(20):
                obj = self.base()
                kinds = [r.choice(KINDS) for _ in range(r.choice([1, 1, 1, 2, 3]))]
                for kind in kinds:
                    obj = self.mutate(obj, kind)
                data = self.text(obj)
                if len(data) <= cap:
                    break
            yield f"{i:05d}-{'-'.join(kinds)}.bpviz.json", data
