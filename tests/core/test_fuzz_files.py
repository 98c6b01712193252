"""The loader against seeded mutated files (tests/core/hostile_files.py): every file is a
Document or a FormatError with one line — never another exception — and whatever loads can be
saved and read back. Bounded in time (a few seconds); benchmarks/fuzz_files.py runs the same
files through every command in real processes, with time and memory limits."""

from __future__ import annotations

import time

from hostile_files import Generator

from bpviz.core.fileformat import Document, FormatError, dumps, load, loads

BUDGET_S = 3.0  # the files this test reads; each takes a few milliseconds
MIN_FILES = 150


def test_every_mutated_file_is_a_document_or_one_line_format_error(tmp_path):
    path = tmp_path / "f.bpviz.json"
    seen = refused = 0
    t0 = time.perf_counter()
    for name, data in Generator(seed=13).files(100_000):
        path.write_bytes(data)
        try:
            doc = load(path)
        except FormatError as e:
            msg = str(e)
            assert msg.strip() and "\n" not in msg and "\r" not in msg, (name, msg)
            assert len(msg) < 500, (name, msg[:600])
            refused += 1
        except Exception as e:  # noqa: BLE001 - the point of the test
            (tmp_path.parent / name).write_bytes(data)
            raise AssertionError(f"{name}: {type(e).__name__}: {e} (kept as {tmp_path.parent / name})") from e
        else:
            assert isinstance(doc, Document)
            text = dumps(doc)
            text.encode("utf-8")
            again = loads(text)
            assert [w.tolist() for w in again.network.weights] == [w.tolist() for w in doc.network.weights]
        seen += 1
        if seen >= MIN_FILES and time.perf_counter() - t0 > BUDGET_S:
            break
    assert seen >= MIN_FILES
    assert 0 < refused < seen  # the mutations hit: most files are refused, some still load


def test_the_generator_is_seeded():
    a = [d for _, d in Generator(seed=5).files(20)]
    b = [d for _, d in Generator(seed=5).files(20)]
    assert a == b
    assert a != [d for _, d in Generator(seed=6).files(20)]
