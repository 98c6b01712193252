"""Reading values out of a parsed JSON file, with the JSON path in every message: the checks
the ``bpviz/1`` loader (:mod:`bpviz.core.fileformat`) applies to each key — a number, a finite
number, an integer in range, a string, a list of a given length, a vector or matrix of a given
shape, an activation — and :class:`FormatError`, the one error a bad file gives.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from bpviz.core.functions import ACTIVATION_NAMES, make_activation

__all__ = ["FormatError"]


class FormatError(ValueError):
    """A file that is not valid bpviz/1; the message names the JSON path."""

    def __init__(self, path: str, message: str, file: str | None = None) -> None:
        self.json_path = path
        self.reason = message
        self.file = file
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.json_path}: " if self.json_path else ""
        pre = f"{self.file}: " if self.file else ""
        return f"{pre}{where}{self.reason}"

    def with_file(self, file: str) -> FormatError:
        return FormatError(self.json_path, self.reason, file)


def _show(v: Any) -> str:
    try:
        s = json.dumps(v, allow_nan=True)
    except (TypeError, ValueError):
        s = repr(v)
    return s if len(s) <= 40 else s[:37] + "..."


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _number(v: Any, path: str) -> float:
    if not _is_number(v):
        raise FormatError(path, f"expected a number, got {_show(v)}")
    try:
        f = float(v)
    except OverflowError:
        raise FormatError(path, f"expected a finite number, got {_show(v)}") from None
    if not math.isfinite(f):
        raise FormatError(path, f"expected a finite number, got {_show(v)}")
    return f


def _int(v: Any, path: str, low: int | None = None, what: str = "an integer") -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise FormatError(path, f"expected {what}, got {_show(v)}")
    if low is not None and v < low:
        raise FormatError(path, f"expected {what}, got {_show(v)}")
    return v


def _string(v: Any, path: str) -> str:
    if not isinstance(v, str):
        raise FormatError(path, f"expected a string, got {_show(v)}")
    return v


def _list(v: Any, path: str, n: int | None = None, what: str = "a list") -> list:
    if not isinstance(v, list):
        raise FormatError(path, f"expected {what}, got {_show(v)}")
    if n is not None and len(v) != n:
        raise FormatError(path, f"expected {n} entries, got {len(v)}")
    return v


def _vector(v: Any, path: str, n: int) -> np.ndarray:
    _list(v, path, n, f"a list of {n} numbers")
    return np.array([_number(x, f"{path}[{i}]") for i, x in enumerate(v)], dtype=np.float64)


def _matrix(v: Any, path: str, rows: int, cols: int) -> np.ndarray:
    _list(v, path, rows, f"a {rows}×{cols} matrix (a list of {rows} rows)")
    return np.array([_vector(r, f"{path}[{i}]", cols) for i, r in enumerate(v)])


def _activation(v: Any, path: str):
    if isinstance(v, str):
        if v not in ACTIVATION_NAMES:
            raise FormatError(
                path, f"unknown activation {_show(v)} (expected one of {', '.join(ACTIVATION_NAMES)})"
            )
        return make_activation(v)
    if isinstance(v, dict):
        name = v.get("name")
        if name not in ACTIVATION_NAMES:
            raise FormatError(
                f"{path}.name",
                f"unknown activation {_show(name)} (expected one of {', '.join(ACTIVATION_NAMES)})",
            )
        for key in v:
            if key not in ("name", "slope"):
                raise FormatError(f"{path}.{_key(key)}", "unknown key")
        slope = 1.0
        if "slope" in v:
            if name != "linear":
                raise FormatError(f"{path}.slope", "only the linear activation has a slope")
            slope = _number(v["slope"], f"{path}.slope")
        return make_activation(name, slope)
    raise FormatError(path, f"expected an activation name or object, got {_show(v)}")


class _NonFinite:
    """Stands for NaN, Infinity or an overflowing literal until its JSON path is known."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return self.token


def _parse_float(token: str):
    f = float(token)
    return f if math.isfinite(f) else _NonFinite(token)


def _find_non_finite(v: Any, path: str = "") -> tuple[str, str] | None:
    """The JSON path and text of the first non-finite number, if any."""
    if isinstance(v, _NonFinite):
        return path, v.token
    if isinstance(v, dict):
        for k, x in v.items():
            p = _find_non_finite(x, f"{path}.{_key(k)}" if path else _key(k))
            if p is not None:
                return p
    elif isinstance(v, list):
        for i, x in enumerate(v):
            p = _find_non_finite(x, f"{path}[{i}]")
            if p is not None:
                return p
    return None


def _key(k: str) -> str:
    """A key as a JSON path shows it: bare when it is a plain name, else quoted."""
    return k if k.isidentifier() else json.dumps(k)
