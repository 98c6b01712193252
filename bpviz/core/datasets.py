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
    "GENERATORS",
    "Generator",
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
@dataclass(frozen=True)
class Generator:
    name: str
    title: str
    n_in: int
    n_out: int
    description: str


_TRUTH = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]

GENERATORS: dict[str, Generator] = {
    g.name: g
    for g in (
        Generator(
            "and",
            "AND",
            2,
            1,
            "AND: the target is 1 only when both inputs are 1 (linearly separable: one neuron can learn it).",
        ),
        Generator(
            "or",
            "OR",
            2,
            1,
            "OR: the target is 1 when either input is 1 (linearly separable: one neuron can learn it).",
        ),
        Generator(
            "xor",
            "XOR",
            2,
            1,
            "XOR: the target is 1 when exactly one input is 1 "
            "(not linearly separable: it needs a hidden layer).",
        ),
        Generator(
            "swap",
            "Swap table",
            2,
            2,
            "The swap table (seed 003): the targets are the inputs in the other order.",
        ),
        Generator(
            "two-class",
            "Two noisy classes (2-D)",
            2,
            1,
            "Two noisy classes: Gaussian blobs around (−1, −1) (target 0) and (1, 1) "
            "(target 1), alternating, rounded to 3 decimals.",
        ),
    )
}


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _positive_int(v, what: str, low: int = 1, high: int | None = None) -> int:
    if (
        isinstance(v, bool)
        or not isinstance(v, (int, np.integer))
        or v < low
        or (high is not None and v > high)
    ):
        rng = f"from {low} to {high:,}" if high is not None else f"≥ {low}"
        raise DataError(f"{what} must be a whole number {rng}, got {v!r}")
    return int(v)


def generate(
    name: str, n_in: int | None = None, n_out: int | None = None, **kw
) -> tuple[np.ndarray, np.ndarray, str]:
    """``(inputs, targets, description)`` of a lecture example.

    ``name``: ``and``, ``or``, ``xor`` (rows 00, 01, 10, 11), ``swap``, ``two-class``
    (keywords ``n`` = 40 points, ``seed`` = 0, ``sigma`` = 0.6). Given ``n_in`` / ``n_out``
    (the network's), a set of another shape is refused with a DataError that says why.
    """
    g = GENERATORS.get(name)
    if g is None:
        raise DataError(f"unknown generator {name!r} (expected one of {', '.join(GENERATORS)})")
    if (n_in is not None and n_in != g.n_in) or (n_out is not None and n_out != g.n_out):
        have_in = g.n_in if n_in is None else n_in
        have_out = g.n_out if n_out is None else n_out
        raise DataError(
            f"{g.title} needs a network with {_count(g.n_in, 'input')} and "
            f"{_count(g.n_out, 'output')}; this network has {_count(have_in, 'input')} and "
            f"{_count(have_out, 'output')}"
        )
    allowed = {"n", "seed", "sigma"} if name == "two-class" else set()
    unknown = set(kw) - allowed
    if unknown:
        raise TypeError(f"{name} takes no {', '.join(sorted(unknown))}")
    X = np.array(_TRUTH)
    if name == "and":
        T = np.array([[0.0], [0.0], [0.0], [1.0]])
    elif name == "or":
        T = np.array([[0.0], [1.0], [1.0], [1.0]])
    elif name == "xor":
        T = np.array([[0.0], [1.0], [1.0], [0.0]])
    elif name == "swap":
        X = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
        T = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    else:
        n = _positive_int(kw.get("n", 40), "the number of points", 2, MAX_ROWS)
        seed = _positive_int(kw.get("seed", 0), "the seed", 0)
        sigma = kw.get("sigma", 0.6)
        if (
            isinstance(sigma, bool)
            or not isinstance(sigma, (int, float, np.floating))
            or not math.isfinite(sigma)
            or sigma < 0
        ):
            raise DataError(f"the noise σ must be a finite number ≥ 0, got {sigma!r}")
        rng = np.random.default_rng(seed)
        cls = (np.arange(n) % 2).astype(np.float64)
        centre = np.where(cls[:, None] == 1.0, 1.0, -1.0) * np.ones((n, 2))
        X = np.round(centre + rng.normal(0.0, float(sigma), (n, 2)), 3) + 0.0  # no -0.0
        T = cls[:, None].copy()
        desc = f"{g.description} {n} points, σ = {float(sigma):g}, seed {seed}."
        return X, T, desc
    return X, T, g.description
