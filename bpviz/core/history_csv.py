"""The error history of a training run as CSV. Numbers are written by the same rule as the data
sets' CSV (:func:`bpviz.core.datasets.number_text`: the shortest text that reads back exactly).

Two shapes, told apart by the header:

- Every step exact (``history_csv``): one row a step, ``step,error,epoch_error``, the error of
  all the data where an epoch ended.
- A bounded record whose old steps were folded into buckets (``record_csv``; the window keeps
  its newest 100,000 steps exactly, ``bpviz.gui.error_history``): one row an entry,
  ``step,error,epoch_error,last_step,count,error_min,error_max,kind``. ``kind`` is ``exact``
  (one step: ``error`` is its error, ``last_step`` = ``step``) or ``mean`` (steps ``step`` …
  ``last_step``, ``count`` values: ``error`` is their mean, ``error_min``/``error_max`` their
  range, ``epoch_error`` the mean of the epoch errors recorded in those steps). Step numbers
  are exact in both.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from bpviz.core.datasets import number_text

__all__ = ["HEADER", "RECORD_HEADER", "history_csv", "record_csv"]

HEADER = ("step", "error", "epoch_error")
RECORD_HEADER = HEADER + ("last_step", "count", "error_min", "error_max", "kind")


def history_csv(errors, epoch_steps=(), epoch_errors=()) -> str:
    """``errors[i]`` is the error of step i + 1; ``epoch_errors[k]`` the error of all the data
    after step ``epoch_steps[k]``. A step with no epoch error leaves that cell empty.

    ``errors`` may be the window's ``History.errors`` of a bounded record (it carries
    ``history``): then the CSV is that record's, ``record_csv``, and says which rows are
    bucket means."""
    hist = getattr(errors, "history", None)
    if hist is not None:
        return hist.csv()
    errors = np.asarray(errors, dtype=np.float64).ravel()
    steps = np.asarray(epoch_steps).astype(int).ravel().tolist()
    values = np.asarray(epoch_errors, dtype=np.float64).ravel().tolist()
    if len(steps) != len(values):
        raise ValueError("epoch_steps and epoch_errors must have one value each per epoch")
    at = dict(zip(steps, values, strict=True))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for i, e in enumerate(errors.tolist(), 1):
        w.writerow([i, number_text(e), number_text(at[i]) if i in at else ""])
    return buf.getvalue()


def record_csv(step_columns, epoch_columns=None) -> str:
    """A bounded record as CSV (see the module docstring). Each argument is the columns of a
    record's entries, oldest first: (first step, last step, values held, min, max, mean); an
    exact value is an entry with first == last and one value. Each epoch entry goes to the row
    whose steps hold its last step (several in one row: their mean, weighted by how many
    values each holds)."""
    first, last, count, lo, hi, mean = (np.asarray(c) for c in step_columns)
    n = len(first)
    epoch = np.full(n, np.nan)
    if epoch_columns is not None and len(epoch_columns[0]) and n:
        _ef, el, ec, _elo, _ehi, em = (np.asarray(c) for c in epoch_columns)
        row = np.searchsorted(first, el, side="right") - 1
        ok = (row >= 0) & np.isfinite(em)
        ok[ok] &= el[ok] <= last[row[ok]]
        if ok.any():
            wsum = np.bincount(row[ok], weights=em[ok] * ec[ok], minlength=n)
            wcnt = np.bincount(row[ok], weights=ec[ok], minlength=n)
            with np.errstate(all="ignore"):
                epoch = np.where(wcnt > 0, wsum / wcnt, np.nan)
    exact = (first == last) & (count == 1)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(RECORD_HEADER)
    for a, b, c, x, y, m, e, ex in zip(
        first.tolist(),
        last.tolist(),
        count.tolist(),
        lo.tolist(),
        hi.tolist(),
        mean.tolist(),
        epoch.tolist(),
        exact.tolist(),
        strict=True,
    ):
        w.writerow(
            [
                a,
                number_text(m),
                "" if e != e else number_text(e),
                b,
                c,
                number_text(x),
                number_text(y),
                "exact" if ex else "mean",
            ]
        )
    return buf.getvalue()
