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

With held-out test rows (``data.test``) both shapes end in a ``test_error`` column: the test
error (FORMAT.md) at the weights after that step where one was measured (the window measures it
at most 15 times a second, so most rows leave it empty; a ``mean`` row holds the mean of those
measured in its steps, weighted like the epoch errors; an older test value that is itself a mean
sits at the last step it covers). A test error measured before the first step (at the file's
weights) is a row of its own, step 0, with only that column filled.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from bpviz.core.datasets import number_text

__all__ = ["HEADER", "RECORD_HEADER", "TEST_COLUMN", "history_csv", "record_csv"]

HEADER = ("step", "error", "epoch_error")
RECORD_HEADER = HEADER + ("last_step", "count", "error_min", "error_max", "kind")
TEST_COLUMN = "test_error"


def _tests(test) -> tuple[np.ndarray, np.ndarray] | None:
    if test is None:
        return None
    steps, errors = (np.asarray(a).ravel() for a in test)
    if not len(steps):
        return None
    if len(steps) != len(errors):
        raise ValueError("test steps and test errors must have one value each")
    return steps.astype(np.int64), errors.astype(np.float64)


def _cell(v: float) -> str:
    return "" if v != v else number_text(v)


def history_csv(errors, epoch_steps=(), epoch_errors=(), test=None) -> str:
    """``errors[i]`` is the error of step i + 1; ``epoch_errors[k]`` the error of all the data
    after step ``epoch_steps[k]``. A step with no epoch error leaves that cell empty. ``test``:
    (steps, test errors), written in a last column ``test_error``.

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
    tests = _tests(test)
    tat = {} if tests is None else dict(zip(tests[0].tolist(), tests[1].tolist(), strict=True))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if tests is None:
        w.writerow(HEADER)
    else:
        w.writerow(HEADER + (TEST_COLUMN,))
        if 0 in tat:
            w.writerow([0, "", "", _cell(tat[0])])
    for i, e in enumerate(errors.tolist(), 1):
        row = [i, number_text(e), number_text(at[i]) if i in at else ""]
        if tests is not None:
            row.append(_cell(tat[i]) if i in tat else "")
        w.writerow(row)
    return buf.getvalue()


def record_csv(step_columns, epoch_columns=None, test_columns=None) -> str:
    """A bounded record as CSV (see the module docstring). Each argument is the columns of a
    record's entries, oldest first: (first step, last step, values held, min, max, mean); an
    exact value is an entry with first == last and one value. Each epoch entry goes to the row
    whose steps hold its last step (several in one row: their mean, weighted by how many
    values each holds). ``test_columns``: the test record's entries, placed the same way, in a
    last column ``test_error``."""
    first, last, count, lo, hi, mean = (np.asarray(c) for c in step_columns)
    epoch = _fold(first, last, epoch_columns)
    exact = (first == last) & (count == 1)
    test_col = _fold(first, last, test_columns)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    tested = test_columns is not None and len(test_columns[0]) > 0
    if not tested:
        w.writerow(RECORD_HEADER)
    else:
        w.writerow(RECORD_HEADER + (TEST_COLUMN,))
        tf, tl, _tc, _tlo, _thi, tm = (np.asarray(c) for c in test_columns)
        at0 = (tf == 0) & (tl == 0)
        if at0.any():
            w.writerow([0, "", "", 0, 0, "", "", "exact", _cell(float(tm[at0][-1]))])
    for a, b, c, x, y, m, e, ex, t in zip(
        first.tolist(),
        last.tolist(),
        count.tolist(),
        lo.tolist(),
        hi.tolist(),
        mean.tolist(),
        epoch.tolist(),
        exact.tolist(),
        test_col.tolist(),
        strict=True,
    ):
        row = [a, number_text(m), _cell(e), b, c, number_text(x), number_text(y), "exact" if ex else "mean"]
        if tested:
            row.append(_cell(t))
        w.writerow(row)
    return buf.getvalue()


def _fold(first: np.ndarray, last: np.ndarray, columns) -> np.ndarray:
    """One value a row from another record's entries: each entry goes to the row whose steps
    hold its last step, several in one row give their mean weighted by how many values each
    holds; NaN where none."""
    n = len(first)
    res = np.full(n, np.nan)
    if columns is None or not len(columns[0]) or not n:
        return res
    _f, el, ec, _lo, _hi, em = (np.asarray(c) for c in columns)
    row = np.searchsorted(first, el, side="right") - 1
    ok = (row >= 0) & np.isfinite(em)
    ok[ok] &= el[ok] <= last[row[ok]]
    if ok.any():
        wsum = np.bincount(row[ok], weights=em[ok] * ec[ok], minlength=n)
        wcnt = np.bincount(row[ok], weights=ec[ok], minlength=n)
        with np.errstate(all="ignore"):
            res = np.where(wcnt > 0, wsum / wcnt, np.nan)
    return res
