"""The error history of a training run as CSV: one row a step (``step,error,epoch_error``),
the error of all the data where an epoch ended. Numbers are written by the same rule as the
data sets' CSV (:func:`bpviz.core.datasets.number_text`: the shortest text that reads back
exactly)."""

from __future__ import annotations

import csv
import io

import numpy as np

from bpviz.core.datasets import number_text

__all__ = ["HEADER", "history_csv"]

HEADER = ("step", "error", "epoch_error")


def history_csv(errors, epoch_steps=(), epoch_errors=()) -> str:
    """``errors[i]`` is the error of step i + 1; ``epoch_errors[k]`` the error of all the data
    after step ``epoch_steps[k]``. A step with no epoch error leaves that cell empty."""
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
