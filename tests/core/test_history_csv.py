"""The error history as CSV (File → Export error history): one row a step, the epoch error
where an epoch ended, numbers by the data sets' rule (shortest text that reads back exactly)."""

import csv
import io
import math

import numpy as np
import pytest

from bpviz.core.history_csv import history_csv


def test_rows_steps_and_epoch_errors():
    text = history_csv([0.5, 0.25, 1.0, 0.1], epoch_steps=[2, 4], epoch_errors=[0.3, 0.05])
    assert text == ("step,error,epoch_error\n1,0.5,\n2,0.25,0.3\n3,1,\n4,0.1,0.05\n")


def test_numbers_read_back_exactly():
    rng = np.random.default_rng(3)
    errs = rng.random(50) * 10.0 ** rng.integers(-300, 3, 50)
    rows = list(csv.reader(io.StringIO(history_csv(errs))))
    assert rows[0] == ["step", "error", "epoch_error"]
    assert [float(r[1]) for r in rows[1:]] == errs.tolist()
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 51))


def test_a_gap_in_the_history_is_written_as_nan():
    rows = history_csv([0.5, math.nan, 0.2]).splitlines()
    assert rows[2] == "2,nan,"


def test_empty_history_is_the_header_alone():
    assert history_csv([]) == "step,error,epoch_error\n"


def test_epoch_steps_and_errors_must_pair():
    with pytest.raises(ValueError, match="one value each"):
        history_csv([0.5, 0.4], epoch_steps=[1, 2], epoch_errors=[0.3])


def test_a_bounded_record_says_which_rows_are_bucket_means():
    """``record_csv``: one row an entry; a bucket's row gives its steps, count, mean and range,
    and the mean of the epoch errors recorded in its steps."""
    from bpviz.core.history_csv import RECORD_HEADER, record_csv

    steps = (
        np.array([1, 5, 9]),  # first step: a bucket of steps 1 … 4, another of 5 … 8, step 9
        np.array([4, 8, 9]),  # last step
        np.array([4, 4, 1]),  # values held
        np.array([0.5, 0.25, 0.1]),  # min
        np.array([1.0, 0.5, 0.1]),  # max
        np.array([0.75, 0.375, 0.1]),  # mean
    )
    epochs = (
        np.array([2, 4, 9]),
        np.array([2, 4, 9]),
        np.array([1, 1, 1]),
        *([np.array([0.6, 0.4, 0.09])] * 3),
    )
    rows = record_csv(steps, epochs).splitlines()
    assert rows[0] == ",".join(RECORD_HEADER)
    assert rows[1:] == [
        "1,0.75,0.5,4,4,0.5,1,mean",
        "5,0.375,,8,4,0.25,0.5,mean",
        "9,0.1,0.09,9,1,0.1,0.1,exact",
    ]
