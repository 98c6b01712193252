"""The "session" part of a bpviz/1 file as the window saves it (fileformat.session_record):
the errors of steps 1 … step, cut before a gap, and a round trip through the loader."""

import math

from bpviz.core import fileformat
from bpviz.core.presets import load_preset


def test_the_history_is_cut_at_the_step_shown():
    rec = fileformat.session_record(2, 5, [0.5, 0.4, 0.3, 0.2], None)
    assert rec == {"step": 2, "phase": 5, "error_history": [0.5, 0.4], "stop_error": None}


def test_a_gap_keeps_the_part_before_it_never_shifted():
    rec = fileformat.session_record(4, 0, [0.5, math.nan, 0.3, 0.2], 0.01)
    assert rec["error_history"] == [0.5] and rec["step"] == 4 and rec["stop_error"] == 0.01


def test_the_record_round_trips_through_the_file():
    doc = load_preset("mazur")
    doc.session = fileformat.session_record(3, 7, [0.3, 0.29, 0.28125, 0.27], 0.001)
    back = fileformat.loads(fileformat.dumps(doc))
    assert back.session == {"step": 3, "phase": 7, "error_history": [0.3, 0.29, 0.28125], "stop_error": 0.001}
