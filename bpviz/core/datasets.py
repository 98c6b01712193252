"""Data sets: CSV import and export, spreadsheet pastes and generators for lecture examples.

numpy only (no Qt). Every problem with a user's data is a :class:`DataError` whose message names
the row as a spreadsheet shows it (the header is row 1) and the column by letter and name::

    row 3, column B (x2): "abc" is not a number

CSV files have a header row. When its names are the network's neuron labels (``x1, x2,
target_y``; a target column may also be named ``y``, ``target y`` or ``t_y``) the columns are
taken by name, in any order; otherwise the first ``n_in`` columns are the inputs and the next
``n_out`` the targets. Separators: comma, semicolon or tab (sniffed from the header). Numbers
use a decimal point; only in a semicolon-separated file (as spreadsheets write them where the
comma is the decimal mark) is ``0,5`` read as 0.5.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bpviz.core import limits
from bpviz.core.atomic import write_atomic
from bpviz.core.json_values import FileProblem, read_regular
from bpviz.core.numbers import read_number

__all__ = [
    "DataError",
    "read_csv",
    "write_csv",
    "csv_header",
    "parse_pasted",
    "number_text",
    "column_letter",
    "generate",
    "generate_spec",
    "generate_for",
    "normalise_spec",
    "fit_problem",
    "generator_of",
    "target_low",
    "test_count",
    "GENERATORS",
    "Generator",
    "Generated",
    "GeneratorError",
    "Param",
    "POLYNOMIALS",
    "MAX_ROWS",
]

MAX_ROWS = limits.MAX_SAMPLES  # samples in one data set (a CSV with more is refused), as in a file
SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs"}


class DataError(ValueError):
    """Bad data. ``row`` is 1-based as a spreadsheet shows it (None: the whole file);
    ``column`` is 0-based (None: the whole row); ``column_name`` is its header name."""

    def __init__(
        self, reason: str, row: int | None = None, column: int | None = None, column_name: str | None = None
    ) -> None:
        self.reason = reason
        self.row = row
        self.column = column
        self.column_name = column_name
        super().__init__(self._text())

    @property
    def where(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            col = f"column {column_letter(self.column)}"
            if self.column_name:
                col += f" ({self.column_name})"
            parts.append(col)
        return ", ".join(parts)

    def _text(self) -> str:
        w = self.where
        return f"{w}: {self.reason}" if w else self.reason


def column_letter(i: int) -> str:
    """A 0-based column index as a spreadsheet names it: A … Z, AA, AB, …"""
    s = ""
    i += 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _show(text: str) -> str:
    t = text if len(text) <= 24 else text[:21] + "..."
    return '"' + t.replace('"', '\\"') + '"'


# ----------------------------------------------------------------------------- numbers
def number_text(v: float) -> str:
    """The shortest text that reads back as exactly ``v`` (``0.05``, ``1``, ``-2.5e-300``;
    even ``-0``)."""
    v = float(v)
    if v == 0.0:
        return "-0" if math.copysign(1.0, v) < 0 else "0"
    s = repr(v)
    if s.endswith(".0") and "e" not in s:
        s = s[:-2]
    return s


# ----------------------------------------------------------------------------- CSV: reading
def _read_text(source) -> tuple[str, str | None]:
    """The text to parse and the file name (None for text given directly)."""
    if isinstance(source, os.PathLike) or (
        isinstance(source, str)
        and "\n" not in source
        and "\r" not in source
        and len(source) < 4096
        and _is_file(source)
    ):
        p = Path(source)
        try:  # a regular file only (never a FIFO or a device), at most MAX_FILE_BYTES of it
            raw = read_regular(p)
        except FileProblem as e:
            raise DataError(f"cannot read {p}: {e}") from None
        if b"\0" in raw[:8192]:
            raise DataError(f"{p.name} is not a text file")
        try:
            return raw.decode("utf-8-sig"), str(p)
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace"), str(p)  # an old spreadsheet's CSV
    if isinstance(source, bytes):
        source = source.decode("utf-8-sig", errors="replace")
    if not isinstance(source, str):
        raise TypeError(f"expected CSV text or a path, got {type(source).__name__}")
    return source.lstrip("\ufeff"), None


def _is_file(name: str) -> bool:
    """Does ``name`` name something on disk (a file, or a folder, FIFO or device that reading
    refuses with a message), rather than being the CSV text itself?"""
    try:
        os.lstat(name)
    except (OSError, ValueError):  # no such file, a name too long, a NUL byte: text, not a path
        return False
    return True


def _sniff(line: str) -> str | None:
    if "\t" in line:
        return "\t"
    semi, comma = line.count(";"), line.count(",")
    if semi == 0 and comma == 0:
        return None
    return ";" if semi > comma else ","


def _norm(name: str) -> str:
    return " ".join(str(name).strip().lower().split())


def _target_aliases(name: str) -> list[str]:
    n = _norm(name)
    return [f"target_{n}", f"target {n}", f"target-{n}", f"target:{n}", f"t_{n}", n]


def _by_name(header: list[str], input_names, output_names) -> list[int] | None:
    """The header position of each input then each target column, when the header names
    them all after the network's neurons; None when it names none of them."""
    if input_names is None or output_names is None:
        return None
    cells = [_norm(h) for h in header]
    ins = [_norm(n) for n in input_names]
    wanted: list[tuple[str, list[str]]] = [(n, [n]) for n in ins]
    for o in output_names:
        aliases = _target_aliases(o)
        if _norm(o) in ins:  # a bare output name that is also an input name is no alias
            aliases = aliases[:-1]
        wanted.append((f"target_{_norm(o)}", aliases))
    found: list[int | None] = []
    for _label, aliases in wanted:
        hits = [i for i, c in enumerate(cells) if c in aliases]
        found.append(hits[0] if len(hits) == 1 else None)
        if len(hits) > 1:
            raise DataError(f"the header names {_show(header[hits[1]])} twice", 1, hits[1], header[hits[1]])
    if all(f is not None for f in found) and len(set(found)) == len(found):
        return found  # every column named: take them by name
    if all(f is None for f in found):
        return None  # other names: take the columns in order
    # some columns are named after neurons, some not: in order, unless that misplaces one
    for role, f in enumerate(found):
        if f is not None and f != role:
            what = wanted[role][0]
            raise DataError(
                f"{_show(header[f])} names {what}, which belongs in column "
                f"{column_letter(role)}; name every column after the network's neurons "
                f"({', '.join(w[0] for w in wanted)}) or none of them",
                1,
                f,
                header[f],
            )
    return None


def read_csv(
    text_or_path, n_in: int, n_out: int, input_names=None, output_names=None, max_rows: int = MAX_ROWS
) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV with a header row into ``(inputs, targets)`` of shapes (M, n_in), (M, n_out).

    ``text_or_path``: a path (``str`` without a line break naming an existing file, or a
    ``PathLike``) or the CSV text itself. Rows that are entirely blank are skipped (row numbers
    still count them, as a spreadsheet does). Any problem raises :class:`DataError` naming the
    row and column.
    """
    if n_in < 1 or n_out < 1:
        raise ValueError("n_in and n_out must be positive")
    text, _file = _read_text(text_or_path)
    width = n_in + n_out
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        raise DataError("the file is empty (expected a header row and at least one row of numbers)")
    sep = _sniff(first)
    if sep is None:
        raise DataError(
            f"expected {width} column names separated by commas, semicolons or "
            f"tabs, got {_show(first.strip())}",
            lines.index(first) + 1,
        )
    decimal_comma = sep == ";"
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=sep, quotechar='"', skipinitialspace=False, strict=True
    )
    header: list[str] | None = None
    header_row = 0
    order: list[int] = []
    rows_in: list[list[float]] = []
    rows_t: list[list[float]] = []
    try:
        for record in reader:
            rownum = reader.line_num
            if not record or all(not c.strip() for c in record):
                continue
            if header is None:
                header, header_row = [c.strip() for c in record], rownum
                if len(header) != width:
                    extra = min(len(header), width)
                    raise DataError(
                        f"the header has {_count(len(header), 'column')}; this network needs "
                        f"{width} ({_count(n_in, 'input')} and {_count(n_out, 'target')})",
                        rownum,
                        extra,
                        header[extra] if extra < len(header) else None,
                    )
                if all(_is_number(c, decimal_comma) for c in header):
                    example = csv_header(_names(input_names, n_in, "i"), _names(output_names, n_out, "o"))
                    raise DataError(
                        f"expected a header row of column names (such as {sep.join(example)}), got numbers",
                        rownum,
                    )
                by_name = _by_name(header, input_names, output_names)
                order = by_name if by_name is not None else list(range(width))
                continue
            if len(record) != width:
                if len(record) < width:
                    c = len(record)
                    reason = f"missing: the row has {len(record)} of the {width} values"
                else:
                    c = width
                    reason = f"one too many: the row has {len(record)} values, expected {width}"
                    if len(record) > width + 1:
                        reason = (
                            f"{len(record) - width} too many: the row has {len(record)} "
                            f"values, expected {width}"
                        )
                raise DataError(reason, rownum, c, header[c] if c < width else None)
            if len(rows_in) >= max_rows:
                raise DataError(f"more than {max_rows:,} rows of data (bpviz's limit)", rownum)
            values = [0.0] * width
            for role, c in enumerate(order):
                try:
                    values[role] = read_number(record[c], decimal_comma)
                except ValueError as e:
                    raise DataError(str(e), rownum, c, header[c]) from None
            rows_in.append(values[:n_in])
            rows_t.append(values[n_in:])
    except csv.Error as e:
        raise DataError(f"not readable as CSV ({e})", reader.line_num or None) from None
    if header is None:  # pragma: no cover - the sniffed line is always a record
        raise DataError("the file is empty")
    if not rows_in:
        raise DataError("no rows of numbers after the header", header_row)
    return (
        np.array(rows_in, dtype=np.float64).reshape(-1, n_in),
        np.array(rows_t, dtype=np.float64).reshape(-1, n_out),
    )


def _is_number(text: str, decimal_comma: bool = False) -> bool:
    try:
        read_number(text, decimal_comma)
    except ValueError:
        return False
    return True


def _names(names, n: int, prefix: str) -> list[str]:
    if names is not None and len(names) == n:
        return [str(x) for x in names]
    return [f"{prefix}{k + 1}" for k in range(n)]


# ----------------------------------------------------------------------------- CSV: writing
def csv_header(input_names, output_names) -> list[str]:
    """``["i1", "i2", "target_o1", "target_o2"]``."""
    return [str(n) for n in input_names] + [f"target_{o}" for o in output_names]


def write_csv(path_or_none, inputs, targets, input_names=None, output_names=None) -> str:
    """The data as CSV text with a header row (and written atomically to ``path_or_none``
    when it is a path). Numbers in their shortest exact form, so a round trip is exact."""
    inputs = np.asarray(inputs, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    if inputs.ndim != 2 or targets.ndim != 2 or inputs.shape[0] != targets.shape[0]:
        raise ValueError("inputs and targets must be 2-D with one row per sample each")
    if not (np.isfinite(inputs).all() and np.isfinite(targets).all()):
        raise ValueError("every input and target must be a finite number")
    head = csv_header(_names(input_names, inputs.shape[1], "i"), _names(output_names, targets.shape[1], "o"))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(head)
    for x, t in zip(inputs, targets, strict=True):
        w.writerow([number_text(v) for v in x] + [number_text(v) for v in t])
    text = buf.getvalue()
    if path_or_none is not None:
        write_atomic(path_or_none, text)
    return text


# ----------------------------------------------------------------------------- pasting
def parse_pasted(text: str) -> list[list[str]]:
    """A block copied from a spreadsheet (tab separated; comma or semicolon when there is no
    tab) as rows of cell texts. Trailing blank lines are dropped; cells are stripped."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return []
    sep = "\t" if any("\t" in ln for ln in lines) else (";" if any(";" in ln for ln in lines) else ",")
    rows = list(csv.reader(lines, delimiter=sep, quotechar='"'))
    return [[c.strip() for c in r] if r else [""] for r in rows]


# ----------------------------------------------------------------------------- generators
# A generator makes a lecture data set from a *spec*: a dict such as ``{"name": "circle",
# "samples": 200, "noise": 0.05, "seed": 0, "test_fraction": 0.3}`` (the file's
# ``data.generator``, FORMAT.md). :func:`generate_spec` makes the same rows from the same spec,
# bit for bit, on every call: every random number comes from ``numpy.random.default_rng(seed)``
# in a fixed order, and the noise is standard normal draws times ``noise`` (so changing the
# noise moves the points, never reshuffles them). The test rows are a seeded shuffle's first
# ⌊samples·test_fraction + ½⌋ rows (at most samples − 1), drawn by a generator of their own
# (``default_rng([seed, 1])``), so the points do not depend on the test fraction.
COMMON_PARAMS = ("samples", "noise", "seed", "test_fraction")
MAX_SEED = 2**31 - 1  # what a dialog's spin box holds
MAX_NOISE = 10.0
MAX_CLASSES = 10
DECIMALS = 4  # generated inputs (and regression targets) are rounded to 4 decimals


class GeneratorError(DataError):
    """A bad generator spec; ``param`` is the spec key at fault (None: the spec as a whole), so
    the file loader can name ``data.generator.<param>``."""

    def __init__(self, reason: str, param: str | None = None) -> None:
        self.param = param
        super().__init__(reason)


@dataclass(frozen=True)
class Param:
    """One parameter of a generator, as a dialog offers it: the spec key, its label, default
    and range (``low`` ≤ value ≤ ``high``; below ``high`` when ``open_high``), and whether it is
    a whole number. ``low == high`` means fixed (a table has exactly 4 samples, no noise)."""

    name: str
    label: str
    default: int | float
    low: int | float
    high: int | float
    integer: bool = False
    open_high: bool = False
    help: str = ""

    @property
    def fixed(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True)
class Generator:
    """A lecture data set. ``n_in``: the inputs it makes; ``n_out``: the outputs it makes by
    default (``outputs(spec)`` lists every count it supports: a two-class set gives one output
    of 0/1 or two one-hot outputs). ``kind``: "table" (a fixed truth table), "classification"
    or "regression". ``params``: every spec key but "name", in the order a spec lists them
    (the common ones first: samples, noise, seed, test_fraction). ``classes_param``: the spec
    key that sets the number of classes, if any; ``classes``: the class names (``{k}`` is
    replaced by 1 … k when the number varies)."""

    name: str
    title: str
    n_in: int
    n_out: int
    description: str
    kind: str = "table"
    params: tuple[Param, ...] = ()
    classes_param: str | None = None
    classes: tuple[str, ...] = ()

    @property
    def classification(self) -> bool:
        return self.kind == "classification"

    @property
    def regression(self) -> bool:
        return self.kind == "regression"

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict:
        """The full spec with every parameter at its default."""
        return {"name": self.name, **{p.name: p.default for p in self.params}}

    def n_classes(self, spec: dict | None = None) -> int | None:
        """The number of classes of a classification set (None for the others)."""
        if not self.classification:
            return None
        if self.classes_param is None:
            return len(self.classes)
        v = (spec or {}).get(self.classes_param, self.param(self.classes_param).default)
        return int(v)

    def class_names(self, spec: dict | None = None) -> list[str] | None:
        k = self.n_classes(spec)
        if k is None:
            return None
        if self.classes_param is None:
            return list(self.classes)
        return [self.classes[0].format(k=i + 1) for i in range(k)]

    def outputs(self, spec: dict | None = None) -> tuple[int, ...]:
        """The output counts this set supports: a classification set's k classes need k
        outputs (one-hot targets), or one output when k = 2 (targets 0/1)."""
        k = self.n_classes(spec)
        if k is None:
            return (self.n_out,)
        return (1, 2) if k == 2 else (k,)

    def default_outputs(self, spec: dict | None = None) -> int:
        k = self.n_classes(spec)
        return self.n_out if k is None else (1 if k == 2 else k)

    def fits(self, n_in: int, n_out: int, spec: dict | None = None) -> bool:
        return n_in == self.n_in and n_out in self.outputs(spec)


@dataclass
class Generated:
    """What :func:`generate_spec` makes: the training rows, the test rows (shape (0, n) when
    there are none), the class names (None for regression), a description for the data's
    notes and ``spec``, the spec with every parameter filled in (what a file stores)."""

    inputs: np.ndarray
    targets: np.ndarray
    test_inputs: np.ndarray
    test_targets: np.ndarray
    classes: list[str] | None
    description: str
    spec: dict


def _common(samples: int, noise: float, test_fraction: float, *, fixed: bool = False) -> tuple[Param, ...]:
    if fixed:  # a truth table: 4 rows, no noise
        s = Param("samples", "the number of samples", samples, samples, samples, True)
        n = Param("noise", "the noise σ", 0.0, 0.0, 0.0)
    else:
        s = Param(
            "samples", "the number of points", samples, 2, MAX_ROWS, True, help="training and test rows"
        )
        n = Param(
            "noise", "the noise σ", noise, 0.0, MAX_NOISE, help="standard deviation of the Gaussian noise"
        )
    return (
        s,
        n,
        Param("seed", "the seed", 0, 0, MAX_SEED, True, help="the same seed makes the same rows"),
        Param(
            "test_fraction",
            "the test fraction",
            test_fraction,
            0.0,
            1.0,
            open_high=True,
            help="the share of the samples held out as test rows",
        ),
    )


_TRUTH = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
_TABLE = _common(4, 0.0, 0.0, fixed=True)

GENERATORS: dict[str, Generator] = {
    g.name: g
    for g in (
        Generator(
            "and",
            "AND",
            2,
            1,
            "AND: the target is 1 only when both inputs are 1 (linearly separable: one neuron can learn it).",
            params=_TABLE,
        ),
        Generator(
            "or",
            "OR",
            2,
            1,
            "OR: the target is 1 when either input is 1 (linearly separable: one neuron can learn it).",
            params=_TABLE,
        ),
        Generator(
            "xor",
            "XOR",
            2,
            1,
            "XOR: the target is 1 when exactly one input is 1 "
            "(not linearly separable: it needs a hidden layer).",
            params=_TABLE,
        ),
        Generator(
            "swap",
            "Swap table",
            2,
            2,
            "The swap table (seed 003): the targets are the inputs in the other order.",
            params=_TABLE,
        ),
        Generator(
            "two-class",
            "Two noisy classes (2-D)",
            2,
            1,
            "Two noisy classes: Gaussian blobs around (−1, −1) (target 0) and (1, 1) "
            "(target 1), alternating, rounded to 3 decimals.",
            "classification",
            _common(40, 0.6, 0.0),
            classes=("around (−1, −1)", "around (1, 1)"),
        ),
        Generator(
            "xor-quadrants",
            "XOR quadrants (2-D)",
            2,
            1,
            "XOR quadrants: points in the square [−1, 1]², kept 0.05 off the axes, classed by the sign "
            "of x1·x2: same sign (as XOR's 00 and 11) or opposite signs (as 01 and 10); not linearly "
            "separable.",
            "classification",
            _common(200, 0.05, 0.3),
            classes=("same sign", "opposite signs"),
        ),
        Generator(
            "circle",
            "Circle (2-D)",
            2,
            1,
            "Circle: an inner disc of radius 0.5 (class inside) and an outer ring from radius 0.7 "
            "to 1 (class outside); a straight line cannot separate them.",
            "classification",
            _common(200, 0.05, 0.3),
            classes=("inside", "outside"),
        ),
        Generator(
            "spiral",
            "Spirals (2-D)",
            2,
            1,
            "Spirals: interleaved spiral arms from the centre out to radius 1, one per class; "
            "the hardest of the 2-D sets.",
            "classification",
            _common(300, 0.03, 0.3)
            + (
                Param(
                    "classes", "the number of classes", 2, 2, MAX_CLASSES, True, help="one spiral arm each"
                ),
                Param("turns", "the turns of each arm", 1.0, 0.25, 3.0, help="how far each arm winds"),
            ),
            classes_param="classes",
            classes=("spiral {k}",),
        ),
        Generator(
            "clusters",
            "Gaussian clusters (2-D)",
            2,
            3,
            "Clusters: k Gaussian clusters (σ = the noise) around centres evenly spaced on a circle "
            "of radius 0.6, the first at the top; one class each.",
            "classification",
            _common(150, 0.15, 0.3)
            + (Param("clusters", "the number of clusters", 3, 2, MAX_CLASSES, True, help="one class each"),),
            classes_param="clusters",
            classes=("cluster {k}",),
        ),
        Generator(
            "moons",
            "Two moons (2-D)",
            2,
            1,
            "Two moons: two interleaved half circles (the upper moon and the lower moon), "
            "scaled to x1 in [−1, 1], x2 in [−0.5, 0.5].",
            "classification",
            _common(200, 0.08, 0.3),
            classes=("upper moon", "lower moon"),
        ),
        Generator(
            "sine",
            "Sine (1-D regression)",
            1,
            1,
            "Sine: the target is sin x plus noise, for x drawn uniformly from [−π, π].",
            "regression",
            _common(50, 0.05, 0.3),
        ),
        Generator(
            "polynomial",
            "Polynomial (1-D regression)",
            1,
            1,
            "Polynomial: the target is the Chebyshev polynomial T_d(x) of the chosen degree plus noise, "
            "for x drawn uniformly from [−1, 1] (T1 = x, T2 = 2x² − 1, T3 = 4x³ − 3x, "
            "T4 = 8x⁴ − 8x² + 1, T5 = 16x⁵ − 20x³ + 5x: all within [−1, 1]).",
            "regression",
            _common(50, 0.05, 0.3)
            + (Param("degree", "the degree", 3, 1, 5, True, help="of the polynomial T_d"),),
        ),
    )
}

# Chebyshev polynomials T1 … T5, coefficients of x⁰, x¹, … (numpy.polynomial's order)
POLYNOMIALS = {
    1: (0.0, 1.0),
    2: (-1.0, 0.0, 2.0),
    3: (0.0, -3.0, 0.0, 4.0),
    4: (1.0, 0.0, -8.0, 0.0, 8.0),
    5: (0.0, 5.0, 0.0, -20.0, 0.0, 16.0),
}


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _count_g(x: float, what: str) -> str:
    return f"{x:g} {what}{'' if x == 1 else 's'}"


def _value_text(v) -> str:
    if isinstance(v, bool) or v is None:
        return "true" if v is True else "false" if v is False else "null"
    if isinstance(v, str):
        return _show(v)
    return repr(v)


def _check_param(p: Param, v):
    """The value of a parameter, checked against its range (GeneratorError naming it)."""
    if p.fixed:
        ok = _is_plain_number(v) and v == p.low
        if not ok:
            raise GeneratorError(
                f"{p.label} is fixed at {p.low:g} for this set, got {_value_text(v)}", p.name
            )
        return int(p.low) if p.integer else float(p.low)
    if p.integer:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not p.low <= v <= p.high:
            raise GeneratorError(
                f"{p.label} must be a whole number from {p.low:,} to {p.high:,}, got {_value_text(v)}", p.name
            )
        return int(v)
    top = f"below {p.high:g}" if p.open_high else f"{p.high:g}"
    if (
        not _is_plain_number(v)
        or not math.isfinite(float(v))
        or not p.low <= v <= p.high
        or (p.open_high and v >= p.high)
    ):
        raise GeneratorError(
            f"{p.label} must be a number from {p.low:g} to {top}, got {_value_text(v)}", p.name
        )
    return float(v)


def _is_plain_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def generator_of(spec) -> Generator:
    """The generator a spec names (GeneratorError when it names none)."""
    if not isinstance(spec, dict):
        raise GeneratorError(f"expected an object with a generator's name, got {_value_text(spec)}")
    if "name" not in spec:
        raise GeneratorError("missing (the generator's name)", "name")
    name = spec["name"]
    g = GENERATORS.get(name) if isinstance(name, str) else None
    if g is None:
        raise GeneratorError(
            f"unknown generator {_value_text(name)} (expected one of {', '.join(GENERATORS)})", "name"
        )
    return g


def normalise_spec(spec: dict) -> dict:
    """The spec with every parameter checked and filled in, in the generator's order: what
    :func:`generate_spec` uses and a file stores. Unknown keys and values out of range are a
    :class:`GeneratorError` naming the key."""
    g = generator_of(spec)
    for key in spec:
        if key != "name" and key not in g.param_names:
            raise GeneratorError(
                f"unknown parameter of {g.name} (it takes {', '.join(g.param_names)})", str(key)
            )
    out = {"name": g.name}
    for p in g.params:
        out[p.name] = _check_param(p, spec.get(p.name, p.default))
    return out


def fit_problem(spec: dict, n_in: int | None, n_out: int | None) -> str | None:
    """Why the set of a (normalised) spec does not fit a network of ``n_in`` raw inputs and
    ``n_out`` outputs (None: it fits, or the counts are not given)."""
    g = generator_of(spec)
    outs = g.outputs(spec)
    if (n_in is None or n_in == g.n_in) and (n_out is None or n_out in outs):
        return None
    have_in = g.n_in if n_in is None else n_in
    have_out = outs[0] if n_out is None else n_out
    need = " or ".join(str(k) for k in outs)
    what = g.title
    k = g.n_classes(spec)
    if g.classes_param is not None:
        what = f"{g.title} with {k} classes"
    return (
        f"{what} needs a network with {_count(g.n_in, 'input')} and {need} output"
        f"{'s' if outs[-1] != 1 else ''}; this network has {_count(have_in, 'input')} and "
        f"{_count(have_out, 'output')}"
    )


def test_count(samples: int, test_fraction: float) -> int:
    """The test rows of ``samples`` at ``test_fraction``: ⌊samples·fraction + ½⌋, leaving at
    least one row to train on."""
    return max(0, min(samples - 1, int(math.floor(samples * test_fraction + 0.5))))


test_count.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def target_low(network) -> float:
    """The target of "not this class" for a network: −1 for a tanh output layer, else 0."""
    return -1.0 if network.activations[-1].name == "tanh" else 0.0


def generate_for(spec: dict, network) -> Generated:
    """:func:`generate_spec` for a network: its raw inputs, its outputs and its low target."""
    return generate_spec(spec, network.n_raw, network.sizes[-1], target_low(network))


def generate_spec(
    spec: dict, n_in: int | None = None, n_out: int | None = None, low: float = 0.0
) -> Generated:
    """The data set a spec describes (see the comment above :data:`COMMON_PARAMS`).

    ``n_in`` / ``n_out``: the network's raw inputs and outputs (None: the set's own); a set of
    another shape is refused. Classification targets: one output gives ``low`` for the first
    class and 1 for the second; several give one-hot rows (1 for the class, ``low`` elsewhere).
    ``low``: 0, or −1 for a tanh output layer (:func:`target_low`). Deterministic: the same
    arguments give the same rows, bit for bit."""
    s = normalise_spec(spec)
    g = GENERATORS[s["name"]]
    problem = fit_problem(s, n_in, n_out)
    if problem:
        raise GeneratorError(problem)
    if not _is_plain_number(low) or not math.isfinite(low) or low >= 1:
        raise GeneratorError(f"the low target must be a finite number below 1, got {_value_text(low)}")
    low = float(low)
    n_out = g.default_outputs(s) if n_out is None else n_out
    n, seed = s["samples"], s["seed"]
    if g.kind == "table":
        X, T = _table(g.name)
        desc = g.description
    else:
        if g.name == "two-class":
            X, y = _two_class(n, seed, s["noise"])  # rounded to 3 decimals as it always was
        else:
            X, y = _MAKERS[g.name](np.random.default_rng(seed), n, s)
            X = np.round(X, DECIMALS) + 0.0  # + 0.0: no −0.0
        if g.classification:
            k = g.n_classes(s)
            if n_out == 1:
                T = np.where(y == 1, 1.0, low)[:, None]
            else:
                T = np.full((n, k), low)
                T[np.arange(n), y] = 1.0
        else:
            T = (np.round(y, DECIMALS) + 0.0)[:, None]
        extra = ""
        if g.name == "two-class":
            extra = f", σ = {s['noise']:g}"
        elif g.classes_param == "classes":
            extra = f", {s['classes']} classes, {_count_g(s['turns'], 'turn')}"
        elif g.classes_param == "clusters":
            extra = f", {s['clusters']} clusters"
        elif g.name == "polynomial":
            extra = f", degree {s['degree']}"
        noise = "" if g.name == "two-class" else f", noise {s['noise']:g}"
        desc = f"{g.description} {n} points{extra}{noise}, seed {seed}."
    n_test = test_count(len(X), s["test_fraction"])
    if n_test:
        perm = np.random.default_rng([seed, 1]).permutation(len(X))
        test = np.sort(perm[:n_test])
        train = np.sort(perm[n_test:])
        Xt, Tt, X, T = X[test], T[test], X[train], T[train]
        desc += f" {_count(len(X), 'row')} to train, {n_test} to test."
    else:
        Xt, Tt = np.zeros((0, X.shape[1])), np.zeros((0, T.shape[1]))
    return Generated(
        np.ascontiguousarray(X),
        np.ascontiguousarray(T),
        np.ascontiguousarray(Xt),
        np.ascontiguousarray(Tt),
        g.class_names(s),
        desc,
        s,
    )


def _table(name: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.array(_TRUTH)
    if name == "and":
        T = np.array([[0.0], [0.0], [0.0], [1.0]])
    elif name == "or":
        T = np.array([[0.0], [1.0], [1.0], [1.0]])
    elif name == "xor":
        T = np.array([[0.0], [1.0], [1.0], [0.0]])
    else:  # swap
        X = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
        T = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    return X, T


def _two_class(n: int, seed: int, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cls = np.arange(n) % 2
    centre = np.where(cls[:, None] == 1, 1.0, -1.0) * np.ones((n, 2))
    X = np.round(centre + rng.normal(0.0, float(sigma), (n, 2)), 3) + 0.0  # no -0.0
    return X, cls


# Each maker draws from ``rng`` in a fixed order and returns (points, class index or target).
# The classes alternate (row i has class i mod k), so online training in file order meets
# every class in turn.
def _xor_quadrants(rng, n, s):
    cls = np.arange(n) % 2
    mag = rng.uniform(0.05, 1.0, (n, 2))
    sign1 = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    sign2 = np.where(cls == 0, sign1, -sign1)  # same sign: class 1; opposite: class 2
    X = mag * np.stack([sign1, sign2], axis=1)
    return X + s["noise"] * rng.standard_normal((n, 2)), cls


def _circle(rng, n, s):
    cls = np.arange(n) % 2
    u = rng.random(n)
    theta = rng.uniform(0.0, 2 * math.pi, n)
    r = np.where(cls == 0, 0.5 * np.sqrt(u), 0.7 + 0.3 * u)
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return X + s["noise"] * rng.standard_normal((n, 2)), cls


def _spiral(rng, n, s):
    k = s["classes"]
    cls = np.arange(n) % k
    t = rng.random(n)
    r = 0.05 + 0.95 * t
    theta = 2 * math.pi * (cls / k + s["turns"] * t)
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return X + s["noise"] * rng.standard_normal((n, 2)), cls


def _clusters(rng, n, s):
    k = s["clusters"]
    cls = np.arange(n) % k
    angle = math.pi / 2 + 2 * math.pi * cls / k
    centre = 0.6 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centre + s["noise"] * rng.standard_normal((n, 2)), cls


def _moons(rng, n, s):
    cls = np.arange(n) % 2
    theta = rng.uniform(0.0, math.pi, n)
    x = np.where(cls == 0, np.cos(theta), 1.0 - np.cos(theta))
    y = np.where(cls == 0, np.sin(theta), 0.5 - np.sin(theta))
    X = np.stack([(x - 0.5) / 1.5, (y - 0.25) / 1.5], axis=1)
    return X + s["noise"] * rng.standard_normal((n, 2)), cls


def _sine(rng, n, s):
    x = rng.uniform(-math.pi, math.pi, n)
    X = np.round(x, DECIMALS)[:, None]
    return X, np.sin(X[:, 0]) + s["noise"] * rng.standard_normal(n)


def _polynomial(rng, n, s):
    x = rng.uniform(-1.0, 1.0, n)
    X = np.round(x, DECIMALS)[:, None]
    y = np.polynomial.polynomial.polyval(X[:, 0], POLYNOMIALS[s["degree"]])
    return X, y + s["noise"] * rng.standard_normal(n)


_MAKERS = {
    "xor-quadrants": _xor_quadrants,
    "circle": _circle,
    "spiral": _spiral,
    "clusters": _clusters,
    "moons": _moons,
    "sine": _sine,
    "polynomial": _polynomial,
}

# generate()'s old keyword names for two-class
_OLD_KEYWORDS = {"n": "samples", "sigma": "noise", "seed": "seed"}


def generate(
    name: str, n_in: int | None = None, n_out: int | None = None, **kw
) -> tuple[np.ndarray, np.ndarray, str]:
    """``(inputs, targets, description)`` of a lecture example: the training rows of
    :func:`generate_spec` (its ``test_inputs`` are the held-out rows).

    ``name``: ``and``, ``or``, ``xor`` (rows 00, 01, 10, 11), ``swap``, ``two-class``
    (keywords ``n`` = 40 points, ``seed`` = 0, ``sigma`` = 0.6), or one of the generated sets
    (keywords: their spec parameters, e.g. ``samples``, ``noise``, ``seed``, ``test_fraction``).
    Given ``n_in`` / ``n_out`` (the network's), a set of another shape is refused with a
    DataError that says why.
    """
    g = GENERATORS.get(name)
    if g is None:
        raise DataError(f"unknown generator {name!r} (expected one of {', '.join(GENERATORS)})")
    if name == "two-class":
        allowed = set(_OLD_KEYWORDS)
    elif g.kind == "table":
        allowed = set()
    else:
        allowed = set(g.param_names)
    unknown = set(kw) - allowed
    if unknown:
        raise TypeError(f"{name} takes no {', '.join(sorted(unknown))}")
    spec = {"name": name, **({_OLD_KEYWORDS[k]: v for k, v in kw.items()} if name == "two-class" else kw)}
    problem = fit_problem(normalise_spec({"name": name}), n_in, n_out) if g.classes_param is None else None
    if problem:  # the shape first: the dialog asks whether a set fits before its parameters
        raise DataError(problem)
    made = generate_spec(spec, n_in, n_out)
    return made.inputs, made.targets, made.description
