"""The window's error history is bounded (issue 13, item 9): the newest steps exact, older ones
in a fixed number of buckets that know their first and last step and their values' min, max
and mean; memory does not grow past the bound however many steps arrive; small histories are
exact, as before."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from bpviz.core.history_csv import HEADER, RECORD_HEADER, history_csv
from bpviz.gui.error_history import EXACT_STEPS, MAX_BUCKETS, ErrorArray, History, Record


def _check_buckets(rec: Record, values: np.ndarray) -> None:
    """Every bucket's steps are exact and contiguous from step 1 to the exact part, and its
    min, max, mean and count are those of the values of its steps (``values[i]``: step i + 1)."""
    b = rec.buckets()
    f, la = b["first"], b["last"]
    assert f[0] == 1 and (f[1:] == la[:-1] + 1).all() and la[-1] + 1 == rec.exact_from
    assert (b["count"] == la - f + 1).all()
    assert b["count"].sum() + len(rec.steps) == rec.count == len(values)
    idx = f - 1
    np.testing.assert_array_equal(b["min"], np.minimum.reduceat(values[: la[-1]], idx))
    np.testing.assert_array_equal(b["max"], np.maximum.reduceat(values[: la[-1]], idx))
    np.testing.assert_allclose(b["mean"], np.add.reduceat(values[: la[-1]], idx) / b["count"], rtol=1e-12)


def test_ten_million_steps_stay_within_the_bound():
    """10 M steps in blocks of 100,000 (as snapshots bring them, only bigger): the record never
    holds more than its bound (about 5 MB for steps and epochs; it was 16 B a step before,
    plus the plot's pyramid), the newest EXACT_STEPS are exact, step numbers are exact."""
    rng = np.random.default_rng(1)
    n, block = 10_000_000, 100_000
    values = rng.random(n)
    values[1234] = 7.5  # a spike in the oldest bucket survives as its max
    h = History()
    bound = h.max_nbytes
    assert bound < 6_000_000
    most = 0
    for a in range(0, n, block):
        h.extend(a + 1, values[a : a + block])
        most = max(most, h.nbytes)
    assert most <= bound
    r = h.step_record
    assert h.n == n and len(r.buckets()["first"]) <= MAX_BUCKETS
    assert EXACT_STEPS <= len(r.steps) <= EXACT_STEPS * 5 // 4
    np.testing.assert_array_equal(r.steps, np.arange(r.exact_from, n + 1))
    np.testing.assert_array_equal(r.values, values[r.exact_from - 1 :])
    _check_buckets(r, values)
    old = h.value_at(1235)
    assert not old.exact and old.first <= 1235 <= old.last and old.hi == 7.5
    assert h.value_at(n) == (n, n, 1, values[-1], values[-1], values[-1])


def test_buckets_merge_in_pairs_and_keep_their_envelope():
    """Small bounds, blocks of every size (one step, as the stepper brings them, to more than
    the exact part): after each block the buckets are contiguous and exact in min, max, mean."""
    rng = np.random.default_rng(7)
    values = rng.normal(size=20_000) ** 2
    h = History(exact=100, buckets=8)
    a = 0
    while a < len(values):
        m = int(rng.choice([1, 3, 17, 99, 250, 1000]))
        h.extend(a + 1, values[a : a + m])
        a = min(a + m, len(values))
        r = h.step_record
        assert len(r.buckets()["first"]) <= 8 and len(r.steps) <= 125
        if r.bucketed:
            _check_buckets(r, values[:a])
    np.testing.assert_array_equal(h.step_record.values, values[-len(h.step_record.values) :])


def test_a_small_history_is_exact_and_plain():
    """Under the bound nothing changes: ``errors`` is the values (a view), the CSV as before."""
    h = History()
    e = np.linspace(1, 0.1, 1000)
    h.extend(1, e)
    h.add_epochs([(4, 0.5), (8, 0.25)])
    assert not h.bounded and type(h.errors) is np.ndarray
    np.testing.assert_array_equal(h.errors, e)
    assert h.epoch_steps.tolist() == [4, 8] and h.epoch_errors.tolist() == [0.5, 0.25]
    assert h.csv() == history_csv(e, [4, 8], [0.5, 0.25])
    assert h.csv().splitlines()[0] == ",".join(HEADER)


def test_extend_replaces_and_set_length_forgets():
    h = History(exact=10, buckets=4)
    h.extend(1, np.arange(1.0, 41.0))  # steps 1 … 40; 1 … 30 or so in buckets
    h.extend(39, [0.5])  # step 39 again: 40 is forgotten
    assert h.n == 39 and h.value_at(39).mean == 0.5 and h.value_at(40) is None
    h.set_length(35)
    assert h.n == 35 and h.step_record.last_step == 35
    h.set_length(2)  # inside the first bucket: a bucket cannot be split, it goes
    assert h.n == 2 and h.value_at(1) is None
    h.extend(3, [3.0])
    assert h.value_at(3).exact and len(h.errors) == 0  # step 1 is not covered: nothing to save


def test_a_gap_costs_nothing():
    """A saved session at step 10⁹ without its history, then trained: no 8 GB of NaN."""
    h = History()
    h.extend(10**9 + 1, [0.5, 0.25])
    assert h.n == 10**9 + 2 and h.nbytes < 100_000
    assert h.value_at(5) is None and h.value_at(10**9 + 2).mean == 0.25
    assert len(h.errors) == 0  # the save writes steps 1 … up to the first gap, as it always did


def test_epoch_errors_fold_with_their_steps():
    """An epoch error of a step the step record holds in a bucket is in a bucket too (so a CSV
    row's epoch error is exact exactly when its error is)."""
    h = History(exact=100, buckets=16)
    for a in range(0, 1000, 50):
        steps = np.arange(a + 1, a + 51)
        h.extend(a + 1, 1.0 / steps)
        ends = steps[steps % 4 == 0]
        h.add_epochs(list(zip(ends.tolist(), (0.5 / ends).tolist(), strict=True)))
    ex = h.step_record.exact_from
    assert h.epoch_record.exact_from >= ex and h.epoch_record.exact_from - ex < 4
    assert (h.epoch_record.buckets()["last"] < ex).all()
    assert h.epoch_record.count == 250  # every epoch error is in the record
    steps, errs = h.epoch_steps, h.epoch_errors
    assert (np.diff(steps) > 0).all() and steps[-1] == 1000 and errs[-1] == 0.5 / 1000


def test_the_csv_of_a_bounded_history_says_what_each_row_holds():
    """``history_csv(h.errors, …)`` (what File → Export error history calls) writes the
    record's rows: exact ones, and bucket means with their steps, count and range."""
    h = History(exact=10, buckets=4)
    e = np.arange(1.0, 101.0)
    h.extend(1, e)
    h.add_epochs([(s, s / 2) for s in range(2, 101, 2)])
    errs = h.errors
    assert isinstance(errs, ErrorArray) and errs.history is h and len(errs) == 100
    assert errs[0] == h.value_at(1).mean  # an old step reads as its bucket's mean
    assert errs[:5].history is None  # a slice is not the whole record
    text = history_csv(errs, h.epoch_steps, h.epoch_errors)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0].keys()) == RECORD_HEADER
    assert [int(r["step"]) for r in rows] == sorted(int(r["step"]) for r in rows)
    first = rows[0]
    assert first["kind"] == "mean" and int(first["step"]) == 1
    span = range(int(first["step"]), int(first["last_step"]) + 1)
    assert float(first["error"]) == pytest.approx(np.mean(span))
    assert (float(first["error_min"]), float(first["error_max"])) == (span[0], span[-1])
    assert int(first["count"]) == len(span)
    assert float(first["epoch_error"]) == pytest.approx(np.mean([s / 2 for s in span if s % 2 == 0]))
    last = rows[-1]
    assert last["kind"] == "exact" and last["step"] == last["last_step"] == "100"
    assert (last["error"], last["epoch_error"], last["count"]) == ("100", "50", "1")
    covered = sum(int(r["count"]) for r in rows)
    assert covered == 100


def test_copy_is_independent():
    h = History(exact=10, buckets=4)
    h.extend(1, np.arange(1.0, 60.0))
    c = h.copy()
    h.set_length(5)
    h.extend(6, [0.0])
    assert c.n == 59 and c.value_at(59).mean == 59.0 and c.nbytes <= c.max_nbytes


def test_record_refuses_steps_out_of_order():
    r = Record(10, 4)
    r.append([1, 2], [0.5, 0.4])
    with pytest.raises(ValueError, match="steps must increase"):
        r.append([2], [0.3])


def test_save_writes_at_most_the_loaders_limit_and_the_file_opens_again(monkeypatch, tmp_path):
    """A long run's Save keeps the errors of its first limits.MAX_HISTORY steps (the loader's
    limit), expanding nothing past them; the file opens again with that curve."""
    import numpy as np

    from bpviz.core import fileformat, limits
    from bpviz.core.presets import load_preset
    from bpviz.gui.error_history import History
    from bpviz.gui.files import session_document
    from bpviz.gui.session import Session

    monkeypatch.setattr(limits, "MAX_HISTORY", 1_000)
    s = Session(load_preset("swap"), "swap")
    h = History(exact=500, buckets=64)
    errs = np.linspace(1.0, 0.01, 5_000)
    h.extend(1, errs)
    s.history = h
    s.step = 5_000
    doc = session_document(s)
    saved = doc.session["error_history"]
    assert len(saved) == 1_000 and doc.session["step"] == 5_000
    assert np.allclose(saved, h.errors[:1_000])  # (the first steps: their buckets' means)
    path = tmp_path / "long.bpviz.json"
    fileformat.save(doc, str(path))
    again = fileformat.load(str(path))
    assert len(again.session["error_history"]) == 1_000


def test_the_csv_keeps_the_test_curve():
    """File → Export error history loses nothing: the test errors (data.test) are a last
    column, at the steps they were measured, step 0 (the file's weights) a row of its own."""
    h = History()
    h.extend(1, [0.5, 0.4, 0.3, 0.2])
    h.add_test([(0, 0.9), (2, 0.45), (4, 0.35)])
    rows = list(csv.reader(io.StringIO(h.csv())))
    assert rows[0] == [*HEADER, "test_error"]
    assert rows[1] == ["0", "", "", "0.9"]
    assert [r[3] for r in rows[2:]] == ["", "0.45", "", "0.35"]
    # no test rows: the CSV is as it always was
    plain = History()
    plain.extend(1, [0.5])
    assert next(csv.reader(io.StringIO(plain.csv()))) == list(HEADER)


def test_the_csv_of_a_bounded_history_averages_the_test_errors_of_a_bucket():
    h = History(exact=10, buckets=4)
    h.extend(1, np.linspace(1.0, 0.1, 100))
    h.add_test([(s, 1.0 / s) for s in range(5, 101, 5)])
    rows = list(csv.DictReader(io.StringIO(h.csv())))
    assert list(rows[0]) == [*RECORD_HEADER, "test_error"]
    # the test record folds on its own: each of its entries counts in the row holding its last
    # step, weighted by the values it holds, so every measured value counts exactly once
    first, last, count, _lo, _hi, mean = h.test_record.columns()
    total = 0.0
    for r in rows:
        a, b = int(r["step"]), int(r["last_step"])
        inside = (last >= a) & (last <= b)
        if not inside.any():
            assert r["test_error"] == ""
            continue
        want = np.sum(mean[inside] * count[inside]) / np.sum(count[inside])
        assert float(r["test_error"]) == pytest.approx(want, rel=1e-12)
        total += float(r["test_error"]) * np.sum(count[inside])
    assert total == pytest.approx(sum(1.0 / s for s in range(5, 101, 5)), rel=1e-12)
