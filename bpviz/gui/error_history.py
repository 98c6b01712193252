"""The error of every step the session has seen, for the error plot, within a fixed memory
bound: the per-step errors and the epoch curve (E of all samples at each epoch's end), each a
:class:`Record`. ``Session.history`` is one; the training controller extends it from
snapshots, the stepper from its own steps.

The bound
---------
A record keeps its newest ``EXACT_STEPS`` (100,000) values exactly, each with its step number,
and folds older ones into at most ``MAX_BUCKETS`` (10,000) buckets. A bucket knows the first
and last step it covers (exact step numbers, so a later "scrub to step n" can replay from a
checkpoint), how many values it holds, their min, max and mean (the plot draws the min/max
envelope, so a spike stays visible however old). When the buckets run out, neighbours merge in
pairs and each covers twice as many steps. Values arrive in blocks; the exact part folds a
quarter of its length at a time, so it never holds more than 1.25 × ``EXACT_STEPS``. A record
of any length is at most 2.6 MB (``max_nbytes``; a history, with its steps, epochs and smaller
test curve, 5.6 MB), so the window's memory stays flat through an hour of training at full
speed. With the defaults a run of up to 125,000 steps is kept exactly, as before, and of a
longer one at least the newest 100,000.

Step numbers are explicit, so a gap costs nothing (a saved session at step 10⁹ with no history
then trained: the record starts at step 10⁹ + 1).

What readers get
----------------
- ``errors``: step i + 1's error at ``errors[i]`` from step 1 up to the first step the record
  does not cover (the save writes this, and stops at the first gap as it always did); old
  steps read as their bucket's mean. Without buckets and gaps it is the exact values, a view;
  otherwise an :class:`ErrorArray` that knows its history, so ``history_csv`` writes the
  record as it is (a column says which rows are exact and which are bucket means).
- ``value_at(step)`` for the hover readout; ``step_record`` and ``epoch_record`` (``steps``,
  ``values``, ``buckets()``) for the plot; ``csv()``; ``copy()`` (bounded too) for an undo step.
- ``test_record``: the test error (E of the held-out rows, data.test, on a step's scale) at the
  weights after step n, at step n (0: the file's weights); a point every few steps (the
  training process sends one at most ~15 times a second, the stepper one per update). Bounded
  like the others (its newest ``TEST_EXACT`` points exact, 0.4 MB at most); not saved with the
  file (the training curve is, as ``session.error_history``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["History", "Record", "ErrorArray", "EXACT_STEPS", "MAX_BUCKETS", "Reading"]

EXACT_STEPS = 100_000  # the newest values a record keeps exactly
MAX_BUCKETS = 10_000  # buckets of older values (min, max, mean, first and last step)
# the test curve has a point every few steps (at most ~15 a second): a smaller record (0.4 MB)
TEST_EXACT = 10_000
TEST_BUCKETS = 4_000

_I = np.int64
_F = np.float64


class Reading(NamedTuple):
    """What the record says about one step: an exact value has first == last == the step and
    lo == hi == mean; a bucket's reading covers the steps first … last, ``count`` values."""

    first: int
    last: int
    count: int
    lo: float
    hi: float
    mean: float

    @property
    def exact(self) -> bool:
        return self.first == self.last and self.count <= 1


class Record:
    """A series of (step, value) with strictly increasing steps, bounded as the module says:
    the newest ``exact`` values as they are, older ones in at most ``buckets`` buckets."""

    def __init__(self, exact: int = EXACT_STEPS, buckets: int = MAX_BUCKETS) -> None:
        if exact < 1 or buckets < 2:
            raise ValueError("a record keeps at least one exact value and two buckets")
        self.exact = int(exact)
        self.max_buckets = int(buckets)
        self._cap = self.exact + max(1, self.exact // 4)
        self.clear()

    def clear(self) -> None:
        self._s = np.empty(0, _I)  # exact part: steps and values, the first _n in use
        self._v = np.empty(0, _F)
        self._n = 0
        # buckets, the first _nb in use: first step, last step, values held, finite values,
        # min, max and sum of the finite values
        self._bf = np.empty(0, _I)
        self._bl = np.empty(0, _I)
        self._bn = np.empty(0, _I)
        self._bc = np.empty(0, _I)
        self._bmin = np.empty(0, _F)
        self._bmax = np.empty(0, _F)
        self._bsum = np.empty(0, _F)
        self._nb = 0
        self.bucket_size = 1  # values a full bucket holds (doubles when buckets merge)

    # -- size --------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Entries: exact values plus buckets."""
        return self._n + self._nb

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays the record holds now."""
        return sum(a.nbytes for a in self._arrays())

    @property
    def max_nbytes(self) -> int:
        """The most ``nbytes`` can be, whatever the record has seen."""
        return 16 * self._cap + 56 * self.max_buckets

    def _arrays(self):
        return (self._s, self._v, self._bf, self._bl, self._bn, self._bc, self._bmin, self._bmax, self._bsum)

    @property
    def count(self) -> int:
        """Values the record has taken in (exact ones plus those in buckets)."""
        return self._n + int(self._bn[: self._nb].sum())

    @property
    def last_step(self) -> int:
        """The step of the newest entry (0 when empty)."""
        if self._n:
            return int(self._s[self._n - 1])
        return int(self._bl[self._nb - 1]) if self._nb else 0

    @property
    def exact_from(self) -> int | None:
        """The first step the record holds exactly (None: no exact values)."""
        return int(self._s[0]) if self._n else None

    # -- the parts, read-only views -----------------------------------------------------------
    @property
    def steps(self) -> np.ndarray:
        """The steps of the exact values."""
        return self._s[: self._n]

    @property
    def values(self) -> np.ndarray:
        return self._v[: self._n]

    def buckets(self) -> dict[str, np.ndarray]:
        """The buckets, oldest first: first and last step, values held (``count``), and the
        min, max and mean of their finite values (NaN when a bucket holds none)."""
        k = self._nb
        c = self._bc[:k]
        some = c > 0
        with np.errstate(all="ignore"):
            mean = np.where(some, self._bsum[:k] / np.maximum(c, 1), np.nan)
        return {
            "first": self._bf[:k],
            "last": self._bl[:k],
            "count": self._bn[:k],
            "min": np.where(some, self._bmin[:k], np.nan),
            "max": np.where(some, self._bmax[:k], np.nan),
            "mean": mean,
        }

    @property
    def bucketed(self) -> bool:
        return self._nb > 0

    # -- changes -----------------------------------------------------------------------------
    def append(self, steps, values) -> None:
        """Add entries after the last one (``steps`` increasing, all after ``last_step``; an
        empty record takes step 0 too: the test error at the file's weights)."""
        steps = np.asarray(steps, dtype=_I).ravel()
        values = np.asarray(values, dtype=_F).ravel()
        m = len(values)
        if m != len(steps):
            raise ValueError("one step number per value")
        if not m:
            return
        if (
            steps[0] < 0
            or (len(self) and steps[0] <= self.last_step)
            or (m > 1 and not (np.diff(steps) > 0).all())
        ):
            raise ValueError("steps must increase and follow the record's last step")
        if m > self.exact:  # the head goes straight to the buckets, after the exact part
            self._fold(self._n)
            self._to_buckets(steps[: m - self.exact], values[: m - self.exact])
            steps, values, m = steps[m - self.exact :], values[m - self.exact :], self.exact
        if self._n + m > self._cap:
            self._fold(self._n + m - self.exact)
        if self._n + m > len(self._v):
            size = min(self._cap, max(self._n + m, 2 * len(self._v), 1024))
            for name in ("_s", "_v"):
                old = getattr(self, name)
                new = np.empty(size, old.dtype)
                new[: self._n] = old[: self._n]
                setattr(self, name, new)
        self._s[self._n : self._n + m] = steps
        self._v[self._n : self._n + m] = values
        self._n += m

    def truncate(self, step: int) -> None:
        """Forget the entries after ``step``. A bucket that covers steps on both sides cannot
        be split: it goes too (the record then has a gap before ``step``)."""
        k = int(np.searchsorted(self._s[: self._n], step, side="right"))
        self._n = k
        if k == 0 and self._nb:
            self._nb = int(np.searchsorted(self._bl[: self._nb], step, side="right"))

    def fold_before(self, step: int) -> None:
        """Move the exact values of the steps before ``step`` into the buckets."""
        self._fold(int(np.searchsorted(self._s[: self._n], step)))

    def _fold(self, k: int) -> None:
        """Move the oldest ``k`` exact values into the buckets."""
        k = min(k, self._n)
        if k <= 0:
            return
        self._to_buckets(self._s[:k], self._v[:k])
        rest = self._n - k
        self._s[:rest] = self._s[k : self._n]
        self._v[:rest] = self._v[k : self._n]
        self._n = rest

    def _to_buckets(self, steps: np.ndarray, values: np.ndarray) -> None:
        """Fold these values (older than the exact part, newer than every bucket) into the
        buckets: the open last bucket is filled up to ``bucket_size`` first; neighbours merge
        in pairs while the new ones would not fit in ``max_buckets``."""
        m = len(values)
        while True:
            room = self.bucket_size - int(self._bn[self._nb - 1]) if self._nb else 0
            need = -(-max(0, m - room) // self.bucket_size)
            if self._nb + need <= self.max_buckets:
                break
            self._merge_pairs()
        finite = np.isfinite(values)
        clean = np.where(finite, values, 0.0)
        with np.errstate(invalid="ignore"):
            lo_v = np.where(finite, values, np.inf)
            hi_v = np.where(finite, values, -np.inf)
        if room > 0:
            t = min(room, m)
            j = self._nb - 1
            self._bl[j] = steps[t - 1]
            self._bn[j] += t
            self._bc[j] += int(finite[:t].sum())
            self._bmin[j] = np.fmin(self._bmin[j], lo_v[:t].min())
            self._bmax[j] = np.fmax(self._bmax[j], hi_v[:t].max())
            self._bsum[j] += clean[:t].sum()
            steps, finite, clean, lo_v, hi_v = steps[t:], finite[t:], clean[t:], lo_v[t:], hi_v[t:]
            m -= t
        if not m:
            return
        starts = np.arange(0, m, self.bucket_size)
        ends = np.append(starts[1:], m)
        k = len(starts)
        self._reserve(self._nb + k)
        sl = slice(self._nb, self._nb + k)
        self._bf[sl] = steps[starts]
        self._bl[sl] = steps[ends - 1]
        self._bn[sl] = ends - starts
        self._bc[sl] = np.add.reduceat(finite.astype(_I), starts)
        self._bmin[sl] = np.minimum.reduceat(lo_v, starts)
        self._bmax[sl] = np.maximum.reduceat(hi_v, starts)
        self._bsum[sl] = np.add.reduceat(clean, starts)
        self._nb += k

    def _reserve(self, need: int) -> None:
        if need <= len(self._bf):
            return
        size = min(max(need, 2 * len(self._bf), 256), max(need, self.max_buckets))
        for name in ("_bf", "_bl", "_bn", "_bc", "_bmin", "_bmax", "_bsum"):
            old = getattr(self, name)
            new = np.empty(size, old.dtype)
            new[: self._nb] = old[: self._nb]
            setattr(self, name, new)

    def _merge_pairs(self) -> None:
        """Buckets 0 and 1, 2 and 3, … become one each; a full bucket holds twice as many."""
        k = self._nb
        self.bucket_size *= 2
        if not k:
            return
        idx = np.arange(0, k, 2)
        last = np.minimum(idx + 1, k - 1)
        self._bl[: len(idx)] = self._bl[last]
        self._bf[: len(idx)] = self._bf[idx]
        for name, op in (("_bn", np.add), ("_bc", np.add), ("_bsum", np.add)):
            arr = getattr(self, name)
            arr[: len(idx)] = op.reduceat(arr[:k], idx)
        self._bmin[: len(idx)] = np.minimum.reduceat(self._bmin[:k], idx)
        self._bmax[: len(idx)] = np.maximum.reduceat(self._bmax[:k], idx)
        self._nb = len(idx)

    # -- reading -----------------------------------------------------------------------------
    def reading(self, step: int) -> Reading | None:
        """The exact value of ``step``, or the reading of the bucket that covers it (None: the
        record has nothing there)."""
        s = self._s[: self._n]
        i = int(np.searchsorted(s, step))
        if i < self._n and s[i] == step:
            v = float(self._v[i])
            return Reading(step, step, 1, v, v, v)
        j = int(np.searchsorted(self._bl[: self._nb], step))
        if j < self._nb and self._bf[j] <= step:
            b = {k: v[j] for k, v in self.buckets().items()}
            return Reading(
                int(b["first"]),
                int(b["last"]),
                int(b["count"]),
                float(b["min"]),
                float(b["max"]),
                float(b["mean"]),
            )
        return None

    def columns(self) -> tuple[np.ndarray, ...]:
        """Every entry, oldest first, as arrays (first step, last step, values held, min, max,
        mean); an exact value is a row with first == last, count 1, min == max == mean."""
        b = self.buckets()
        s, v = self.steps, self.values
        ones = np.ones(self._n, _I)
        return (
            np.concatenate([b["first"], s]),
            np.concatenate([b["last"], s]),
            np.concatenate([b["count"], ones]),
            np.concatenate([b["min"], v]),
            np.concatenate([b["max"], v]),
            np.concatenate([b["mean"], v]),
        )

    def contiguous_end(self, start: int = 1) -> int:
        """The last step s such that every step from ``start`` to s is covered, by an exact
        value or a bucket with no step missing (start − 1 when ``start`` is not covered)."""
        first, last, count = self.columns()[:3]
        if not len(first) or first[0] != start:
            return start - 1
        full = (last - first + 1) == count
        follows = np.ones(len(first), bool)
        follows[1:] = first[1:] == last[:-1] + 1
        bad = np.flatnonzero(~follows | ~full)
        if not len(bad):
            return int(last[-1])
        i = int(bad[0])
        if not follows[i]:
            return int(last[i - 1])
        return int(first[i]) - 1

    def expanded(self, end: int) -> np.ndarray:
        """Values of steps 1 … ``end`` (all covered: see ``contiguous_end``): exact values, or
        their bucket's mean."""
        first, last, _c, _lo, _hi, mean = self.columns()
        keep = first <= end
        first, last, mean = first[keep], np.minimum(last[keep], end), mean[keep]
        return np.repeat(mean, last - first + 1)

    def copy(self) -> Record:
        r = Record(self.exact, self.max_buckets)
        for name in ("_s", "_v", "_bf", "_bl", "_bn", "_bc", "_bmin", "_bmax", "_bsum"):
            setattr(r, name, getattr(self, name).copy())
        r._n, r._nb, r.bucket_size = self._n, self._nb, self.bucket_size
        return r


class ErrorArray(np.ndarray):
    """``History.errors`` of a record with buckets: the values of steps 1 … n (bucket means for
    old steps), plus ``history``, the record it came from, so ``history_csv`` writes what the
    record really holds. A slice or a result of arithmetic is a plain array again."""

    history: History | None = None

    def __array_finalize__(self, obj) -> None:
        self.history = None  # a view or a result of arithmetic is not the whole record


class History:
    """The per-step errors (``step_record``: step n's error is the E of step n) and the epoch
    errors (``epoch_record``: E of all samples at an epoch's end, at that step), each bounded
    (see the module docstring). ``n`` is the last step the history covers."""

    def __init__(self, exact: int = EXACT_STEPS, buckets: int = MAX_BUCKETS) -> None:
        self.step_record = Record(exact, buckets)
        self.epoch_record = Record(exact, buckets)
        self.test_record = Record(min(exact, TEST_EXACT), min(buckets, TEST_BUCKETS))
        self._n = 0
        self.changed_from = 0  # the first step index (0-based) changed since the plot looked
        self.epochs_changed_from = 0
        self.revision = 0  # counts every change (the plot redraws when it moves)

    @property
    def n(self) -> int:
        """Steps 1 … n are covered (some may be gaps: a file without history)."""
        return self._n

    @property
    def bounded(self) -> bool:
        """Do old steps read as bucket means (has the record folded anything)?"""
        return self.step_record.bucketed or self.epoch_record.bucketed

    @property
    def nbytes(self) -> int:
        return self.step_record.nbytes + self.epoch_record.nbytes + self.test_record.nbytes

    @property
    def max_nbytes(self) -> int:
        return self.step_record.max_nbytes + self.epoch_record.max_nbytes + self.test_record.max_nbytes

    # -- the flat views (what Save and the older readers take) -------------------------------
    @property
    def errors(self) -> np.ndarray:
        """``errors[i]``: the error of step i + 1, from step 1 to the first step not covered
        (a step in a bucket reads as its bucket's mean: then an ``ErrorArray``)."""
        if self._plain():  # steps 1 … k, all exact: the values themselves
            return self.step_record.values
        r = self.step_record
        out = r.expanded(r.contiguous_end(1)).view(ErrorArray)
        out.history = self
        return out

    def errors_to(self, end: int) -> np.ndarray:
        """``errors[:end]`` without expanding the steps after ``end`` (a run of 10⁸ steps
        expands to 800 MB): what Save writes."""
        if self._plain():
            return self.step_record.values[:end]
        r = self.step_record
        return np.asarray(r.expanded(min(end, r.contiguous_end(1))))

    def _plain(self) -> bool:
        """Is every step 1 … n held exactly (no bucket, no gap)?"""
        r = self.step_record
        s = r.steps
        return not self.bounded and (not len(s) or (s[0] == 1 and s[-1] == len(s) == self._n))

    @property
    def log_errors(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.log10(np.asarray(self.errors))

    @property
    def epoch_steps(self) -> np.ndarray:
        """The steps of the epoch errors: exact ones, and the last step of each bucket of
        older ones (whose ``epoch_errors`` value is the bucket's mean)."""
        r = self.epoch_record
        b = r.buckets()
        return np.concatenate([b["last"], r.steps])

    @property
    def epoch_errors(self) -> np.ndarray:
        r = self.epoch_record
        return np.concatenate([r.buckets()["mean"], r.values])

    @property
    def epoch_log_errors(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.log10(self.epoch_errors)

    # -- changes -----------------------------------------------------------------------------
    def set_length(self, n: int) -> None:
        """Forget the steps after step n."""
        self.test_record.truncate(max(0, int(n)))  # (it may reach past the steps' record)
        n = min(self._n, max(0, int(n)))
        self.step_record.truncate(n)
        self.epoch_record.truncate(n)
        self._n = n
        self.changed_from = min(self.changed_from, n)
        self.epochs_changed_from = min(self.epochs_changed_from, len(self.epoch_record))
        self.revision += 1

    def extend(self, first_step: int, errors) -> None:
        """Record the errors of steps first_step, first_step + 1, … (replacing any record of
        those steps and forgetting the ones after)."""
        errors = np.asarray(errors, dtype=_F).ravel()
        first_step = int(first_step)
        if first_step <= self._n:
            self.set_length(first_step - 1)
        self.changed_from = min(self.changed_from, first_step - 1, self._n)
        m = len(errors)
        self.step_record.append(np.arange(first_step, first_step + m, dtype=_I), errors)
        self._n = max(self._n, first_step + m - 1)
        self._sync()
        self.revision += 1

    def add_epochs(self, pairs) -> None:
        """(step, E of all samples) at the end of epochs (replacing any at or after the first
        of these steps)."""
        if pairs is None or not len(pairs):
            return
        arr = np.asarray(pairs, dtype=_F).reshape(-1, 2)
        steps = arr[:, 0].astype(_I)
        r = self.epoch_record
        if steps[0] <= r.last_step:
            r.truncate(int(steps[0]) - 1)
        self.epochs_changed_from = min(self.epochs_changed_from, len(r))
        r.append(steps, arr[:, 1])
        self._sync()
        self.revision += 1

    def add_test(self, pairs) -> None:
        """(step, E of the test rows at the weights after that step), replacing any at or
        after the first of these steps."""
        if pairs is None or not len(pairs):
            return
        arr = np.asarray(pairs, dtype=_F).reshape(-1, 2)
        steps = arr[:, 0].astype(_I)
        r = self.test_record
        if len(r) and steps[0] <= r.last_step:
            r.truncate(int(steps[0]) - 1)
        r.append(steps, arr[:, 1])
        self.revision += 1

    @property
    def test_steps(self) -> np.ndarray:
        """The steps of the test errors: exact ones, and the last step of each older bucket."""
        r = self.test_record
        return np.concatenate([r.buckets()["last"], r.steps])

    @property
    def test_errors(self) -> np.ndarray:
        r = self.test_record
        return np.concatenate([r.buckets()["mean"], r.values])

    def _sync(self) -> None:
        """Epoch errors of steps the step record no longer holds exactly go into buckets too,
        so a step's epoch error is exact where its error is (the CSV's rows rely on it)."""
        r = self.step_record
        start = r.exact_from if r.exact_from is not None else (r.last_step + 1 if r.bucketed else None)
        if start is not None:
            self.epoch_record.fold_before(start)

    def clear(self) -> None:
        self.step_record.clear()
        self.epoch_record.clear()
        self.test_record.clear()
        self._n = 0
        self.changed_from = 0
        self.epochs_changed_from = 0
        self.revision += 1

    def copy(self) -> History:
        """An independent copy (bounded like this one), e.g. for an undo step."""
        h = History.__new__(History)
        h.step_record = self.step_record.copy()
        h.epoch_record = self.epoch_record.copy()
        h.test_record = self.test_record.copy()
        h._n = self._n
        h.changed_from = 0
        h.epochs_changed_from = 0
        h.revision = 0
        return h

    # -- readers -----------------------------------------------------------------------------
    def value_at(self, step: int) -> Reading | None:
        """What the history says of step ``step``: its exact error, or the reading of the
        bucket that holds it; None when it has none."""
        return self.step_record.reading(int(step))

    def csv(self) -> str:
        """The history as CSV (``bpviz.core.history_csv``): one row a step while every step is
        exact, else one row an entry with a column saying exact or bucket mean."""
        from bpviz.core.history_csv import history_csv, record_csv

        tested = len(self.test_record) > 0
        if self._plain():
            test = (self.test_steps, self.test_errors) if tested else None
            return history_csv(self.errors, self.epoch_steps, self.epoch_errors, test)
        test_columns = self.test_record.columns() if tested else None
        return record_csv(self.step_record.columns(), self.epoch_record.columns(), test_columns)
