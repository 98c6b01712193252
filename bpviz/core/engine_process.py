"""Entry point of the training process: ``python -m bpviz.core.engine_process FD``.

The app starts it with one end of a socket pair as FD; commands and snapshots are pickled
over it (multiprocessing's Connection). A module of its own, so the engine's classes keep their
import path when pickled, and nothing of the app's (no Qt) is imported here.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from bpviz.core.engine import serve


def main(argv: list[str]) -> int:
    conn = Connection(int(argv[0]))
    try:
        serve(conn)
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the app went away: nothing left to report to
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
