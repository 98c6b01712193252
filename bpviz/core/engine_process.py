"""Entry point of the training process: ``python -m bpviz.core.engine_process FD``.

The app starts it with one end of a socket pair as FD; commands and snapshots are pickled
over it (multiprocessing's Connection). A module of its own, so the engine's classes keep their
import path when pickled, and nothing of the app's (no Qt) is imported here.

``blas_environment()`` is the environment the app starts it with: numpy's BLAS limited to the
cores the GUI leaves it. OpenBLAS (and MKL, OpenMP, Accelerate) read their thread count once,
when numpy loads, so it has to be in the environment before the process starts. With the
default (one thread per core) a 2-core machine runs two BLAS threads beside the GUI thread;
when anything else runs, one spins at a barrier while its twin waits for a core, and a
784-128-10 step goes from under 1 ms to 15–37 ms (benchmarks/bench_blas.py measures both).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from multiprocessing.connection import Connection

__all__ = ["BLAS_THREAD_VARIABLES", "MAX_BLAS_THREADS", "blas_threads", "blas_environment", "main"]

# every library numpy's BLAS may be: OpenBLAS, OpenMP builds, MKL, Apple's Accelerate
BLAS_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
# the matrices the app trains (784-128-10, minibatches of tens of rows) gain little past 4
MAX_BLAS_THREADS = 4


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform says)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def blas_threads(cores: int) -> int:
    """BLAS threads for the training process on a machine of ``cores`` cores: one core is the
    GUI's, the rest (at least one, at most MAX_BLAS_THREADS) the training's."""
    return max(1, min(MAX_BLAS_THREADS, cores - 1))


def blas_environment(environ: Mapping[str, str] | None = None, cores: int | None = None) -> dict[str, str]:
    """The training process's environment: ``environ`` (default: this process's) with every
    BLAS thread variable set to ``blas_threads(cores)``, unless the user set any of them: an
    explicit setting wins, and is passed on untouched."""
    env = dict(os.environ if environ is None else environ)
    if any(env.get(v, "").strip() for v in BLAS_THREAD_VARIABLES):
        return env
    n = str(blas_threads(usable_cores() if cores is None else cores))
    env.update(dict.fromkeys(BLAS_THREAD_VARIABLES, n))
    return env


def main(argv: list[str]) -> int:
    from bpviz.core.engine import serve  # after the environment: numpy reads it on import

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
