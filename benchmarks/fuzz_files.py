"""Hostile files through every command, in real processes with a time and a memory limit.

    python benchmarks/fuzz_files.py [--n 300] [--seed 0] [--heavy] [--timeout 30] [--mem-gb 2]
                                    [--jobs 2] [--commands trace,train,gradcheck,export] [--keep DIR]

Files: ``--n`` mutated bpviz/1 files from tests/core/hostile_files.py (the generator the fuzz
test uses: mutated types, deleted keys, wrong shapes, non-finite numbers, byte flips,
truncation, deep nesting, duplicate keys, huge sizes, bad ``session`` contents; ``--heavy`` adds
files of several MB: 10 MB labels, 120,000 samples), the fixtures of tests/core/hostile/, and
odd file-system objects (a FIFO with no writer, symbolic links to /dev/zero and /dev/urandom, a
symlink loop, a dangling link, a folder, a socket).

Each file runs ``bpviz trace``, ``train --steps 50``, ``gradcheck`` and ``export -o out.png`` in a
fresh process (QT_QPA_PLATFORM=offscreen), with ``--timeout`` seconds (a run still going is killed
with its process group: a hang) and an address-space limit of ``--mem-gb`` (``ulimit -v``). Peak RSS
is each child's own (``os.wait4``). Printed: files × commands, the exit statuses, tracebacks,
hangs, crashes (a signal), peak memory, and the files the commands disagree on (one exits 2, bad
input, while another accepts it). This is a script, not a test: it takes minutes.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "core"))

from hostile_files import Generator  # noqa: E402

COMMANDS = {
    "trace": lambda f, out: ["trace", f],
    "train": lambda f, out: ["train", f, "--steps", "50"],
    "gradcheck": lambda f, out: ["gradcheck", f],
    "export": lambda f, out: ["export", f, "-o", out],
}


@dataclass
class Run:
    file: str
    command: str
    code: int | None  # None: killed at the time limit
    signal: int | None
    seconds: float
    peak_kb: int
    traceback: bool
    last_line: str


def special_files(folder: Path) -> list[Path]:
    """Objects that are not regular files, under names a user might pass."""
    out = []
    fifo = folder / "fifo.bpviz.json"
    os.mkfifo(fifo)
    out.append(fifo)
    for dev in ("/dev/zero", "/dev/urandom"):
        link = folder / f"link-to-{Path(dev).name}.bpviz.json"
        link.symlink_to(dev)
        out.append(link)
    a, b = folder / "loop-a.bpviz.json", folder / "loop-b.bpviz.json"
    a.symlink_to(b)
    b.symlink_to(a)
    out.append(a)
    dangling = folder / "dangling.bpviz.json"
    dangling.symlink_to(folder / "no-such-target.json")
    out.append(dangling)
    d = folder / "a-folder.bpviz.json"
    d.mkdir()
    out.append(d)
    sock = folder / "socket.bpviz.json"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock))
    s.close()
    out.append(sock)
    return out


def run_one(path: str, command: str, work: Path, timeout: float, mem_bytes: int) -> Run:
    out_png = str(work / f"out-{threading.get_ident()}.png")
    # the limit is set by a shell that then becomes the command (preexec_fn is unsafe in threads)
    argv = [
        "/bin/sh",
        "-c",
        f'ulimit -v {mem_bytes // 1024} && exec "$@"',
        "sh",
        sys.executable,
        "-m",
        "bpviz",
        *COMMANDS[command](path, out_png),
    ]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")

    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            cwd=work,
            start_new_session=True,
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(p.pid, 0)
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
        seconds = time.perf_counter() - t0
        err.seek(0)
        text = err.read().decode("utf-8", errors="replace")
    sig = -p.returncode if p.returncode < 0 and not killed.is_set() else None
    lines = text.strip().splitlines()
    return Run(
        file=Path(path).name,
        command=command,
        code=None if killed.is_set() else (p.returncode if p.returncode >= 0 else None),
        signal=sig,
        seconds=seconds,
        peak_kb=usage.ru_maxrss,
        traceback="Traceback" in text,
        last_line=lines[-1][:300] if lines else "",
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="mutated files (default 300)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--heavy", action="store_true", help="also files of several MB")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per run (default 30)")
    ap.add_argument("--mem-gb", type=float, default=2.0, help="address-space limit per run (default 2)")
    ap.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    ap.add_argument("--commands", default=",".join(COMMANDS), help="default: " + ",".join(COMMANDS))
    ap.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    ap.add_argument("--json", metavar="FILE", help="also write every run as JSON lines")
    args = ap.parse_args()
    commands = [c for c in args.commands.split(",") if c]
    for c in commands:
        if c not in COMMANDS:
            ap.error(f"unknown command {c!r}")

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bpviz-fuzz-"))
    files_dir = work / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name, data in Generator(seed=args.seed, heavy=args.heavy).files(args.n):
        p = files_dir / name
        p.write_bytes(data)
        paths.append(p)
    for p in sorted((ROOT / "tests" / "core" / "hostile").glob("*.bpviz.json")):
        paths.append(p)
    odd = files_dir / "odd"
    odd.mkdir(exist_ok=True)
    paths.extend(special_files(odd))

    jobs = [(str(p), c) for p in paths for c in commands]
    mem = int(args.mem_gb * 2**30)
    print(
        f"{len(paths)} files ({args.n} mutated, seed {args.seed}{', heavy' if args.heavy else ''}; "
        f"{len(paths) - args.n} fixtures and odd objects) × {len(commands)} commands = {len(jobs)} runs, "
        f"each with a {args.timeout:g} s limit and a {args.mem_gb:g} GB address-space limit, "
        f"{args.jobs} at a time",
        flush=True,
    )
    t0 = time.perf_counter()
    done = 0
    runs: list[Run] = []
    lock = threading.Lock()

    def one(job) -> Run:
        nonlocal done
        r = run_one(job[0], job[1], work, args.timeout, mem)
        with lock:
            done += 1
            if done % 200 == 0:
                print(f"  {done}/{len(jobs)} runs, {time.perf_counter() - t0:.0f} s", flush=True)
        return r

    with ThreadPoolExecutor(args.jobs) as pool:
        runs = list(pool.map(one, jobs))
    wall = time.perf_counter() - t0

    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            for r in runs:
                f.write(json.dumps(r.__dict__) + "\n")
    report(runs, commands, wall)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    bad = [r for r in runs if r.traceback or r.code is None or r.code not in (0, 2, 3)]
    return 1 if bad else 0


def report(runs: list[Run], commands: list[str], wall: float) -> None:
    print(f"\nwall time {wall:.0f} s")
    print("\nexit statuses per command (hang: killed at the time limit; signal: crashed)")
    for c in commands:
        rs = [r for r in runs if r.command == c]
        hist = collections.Counter(
            "hang"
            if r.code is None and r.signal is None
            else f"signal {r.signal}"
            if r.signal
            else str(r.code)
            for r in rs
        )
        print(f"  {c:10s} " + ", ".join(f"{k}: {v}" for k, v in sorted(hist.items())))
    tracebacks = [r for r in runs if r.traceback]
    hangs = [r for r in runs if r.code is None and r.signal is None]
    crashes = [r for r in runs if r.signal]
    odd_codes = [r for r in runs if r.code is not None and r.code not in (0, 2, 3)]
    peak = max(runs, key=lambda r: r.peak_kb)
    slow = max(runs, key=lambda r: r.seconds)
    print(f"\ntracebacks: {len(tracebacks)} runs ({len({r.file for r in tracebacks})} files)")
    print(f"hangs: {len(hangs)} runs ({len({r.file for r in hangs})} files)")
    print(f"crashes (signals): {len(crashes)} runs")
    print(f"other exit statuses: {len(odd_codes)} runs")
    print(f"peak memory (RSS): max {peak.peak_kb / 1024:.0f} MB ({peak.command} {peak.file})")
    for c in commands:
        rs = [r for r in runs if r.command == c]
        p = max(rs, key=lambda r: r.peak_kb)
        s = max(rs, key=lambda r: r.seconds)
        print(f"  {c:10s} peak {p.peak_kb / 1024:6.0f} MB ({p.file}); slowest {s.seconds:5.1f} s ({s.file})")
    print(f"slowest run: {slow.seconds:.1f} s ({slow.command} {slow.file})")

    by_file: dict[str, dict[str, Run]] = collections.defaultdict(dict)
    for r in runs:
        by_file[r.file][r.command] = r
    split = {f: rs for f, rs in by_file.items() if len({r.code == 2 for r in rs.values()}) > 1}
    accepted = sum(1 for rs in by_file.values() if all(r.code in (0, 3) for r in rs.values()))
    refused = sum(1 for rs in by_file.values() if all(r.code == 2 for r in rs.values()))
    print(
        f"\nverdicts: {refused} files refused by every command (exit 2), {accepted} accepted by every "
        f"command (0 or 3), {len(split)} files on which the commands disagree"
    )
    for f, rs in sorted(split.items())[:20]:
        codes = ", ".join(f"{c} {rs[c].code}" for c in commands if c in rs)
        why = next((r.last_line for r in rs.values() if r.code == 2), "")
        print(f"  {f}: {codes} — {why[:160]}")
    for title, group in (("tracebacks", tracebacks), ("hangs", hangs), ("crashes", crashes)):
        for r in group[:15]:
            print(f"  {title[:-1]}: {r.command} {r.file} ({r.seconds:.1f} s): {r.last_line[:200]}")


if __name__ == "__main__":
    sys.exit(main())
