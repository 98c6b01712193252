"""The commands that need no window: ``presets``, ``trace``, ``train`` and ``gradcheck``.
numpy and the core only; they never import Qt (tests/cli checks it in a fresh process).
numpy is imported inside the commands, so that ``import bpviz.cli`` is quick and a Ctrl+C at
start-up already finds ``main``'s handler.

``train`` and ``gradcheck`` can run long: they show progress on a terminal
(:class:`~bpviz.cli.progress.Progress`) and stop on Ctrl+C (exit status 130, nothing written).
"""

from __future__ import annotations

import json
import math
import sys
import time

from bpviz.cli.args import (
    MAX_JSON_STEPS,
    UsageError,
    check_writable,
    first_rows,
    print_json,
    resolve_net,
)
from bpviz.cli.progress import Progress

__all__ = ["cmd_presets", "cmd_trace", "cmd_train", "cmd_gradcheck"]


def cmd_presets(args) -> int:
    from bpviz.core.presets import preset_titles

    for name, title in preset_titles():
        print(f"{name:10s} {title}")
    return 0


def cmd_trace(args) -> int:
    import numpy as np

    from bpviz.core.iteration.phases import trace_step
    from bpviz.core.teach.trace import formula_text, lines_text, trace_json

    doc = resolve_net(args.net)
    tr = trace_step(doc, first_rows(doc, args.sample))
    finite = math.isfinite(tr.error) and all(
        np.isfinite(a).all() for a in [*tr.weights_after, *tr.p.grad_w, *tr.p.delta[1:]]
    )
    if not finite:
        raise UsageError(
            f"{args.net}: the step's values are not finite (an overflow); try a "
            "smaller learning rate or smaller weights"
        )
    if args.json:
        obj = trace_json(tr)
        obj["samples"] = [int(s) + 1 for s in tr.samples]  # counted as the window does
        print_json(obj, args.net)
        return 0
    nums = [int(s) + 1 for s in tr.samples]
    which = (
        f"sample {nums[0]}"
        if len(nums) == 1
        else f"samples {nums[0]} to {nums[-1]}"
        if nums == list(range(nums[0], nums[-1] + 1))
        else "samples " + ", ".join(map(str, nums))
    )
    print(
        f"{doc.title or args.net} — one step on {which} of {doc.n_samples}, "
        f"learning rate {doc.learning_rate:g}"
    )
    width = len(str(len(tr.phases)))
    for ph in tr.phases:
        print()
        print(f"[{ph.index + 1:{max(2, width)}d}] {ph.name} — {ph.title}")
        print(f"     {formula_text(ph)}")
        for line in lines_text(ph):
            print(f"       {line}")
    return 0


def _print_train_json(trainer, final: float, history, args_net: str) -> None:
    """train's JSON object, its error history written a slice at a time (a long history is
    never one huge list of Python floats and one huge string at once)."""
    net = trainer.network
    obj = {
        "steps": trainer.step,
        "error_history": "@HISTORY@",
        "final_error": final if math.isfinite(final) else None,
        "weights": [w.tolist() for w in net.weights],
        "biases": None if net.biases is None else [b.tolist() for b in net.biases],
        "diverged_at": trainer.diverged_at,
    }
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise UsageError(
            f"{args_net}: the trained values are not finite (an overflow); try a smaller learning rate"
        ) from None
    head, tail = text.split('"@HISTORY@"')
    out = sys.stdout
    out.write(head + "[")
    chunk = 100_000
    for i in range(0, len(history), chunk):
        part = json.dumps(history[i : i + chunk].tolist(), allow_nan=False)[1:-1]
        out.write((", " if i else "") + part)
    out.write("]" + tail + "\n")


def cmd_train(args) -> int:
    from bpviz.core import fileformat
    from bpviz.core.training import Trainer

    if args.steps < 0:
        raise UsageError(f"--steps {args.steps}: expected a number ≥ 0")
    if args.json and args.steps > MAX_JSON_STEPS:
        raise UsageError(
            f"--steps {args.steps:,} with --json: at most {MAX_JSON_STEPS:,} steps (the JSON holds "
            "every step's error); without --json any number of steps"
        )
    doc = resolve_net(args.net)
    if args.out:
        check_writable(args.out)
    trainer = Trainer(doc)
    t0 = time.perf_counter()
    with Progress("train", args.steps, "step") as progress:
        while trainer.step < args.steps and trainer.diverged_at is None:
            trainer.run(max_steps=args.steps - trainer.step, seconds=0.25)
            if not args.json:  # only the final error is printed: keep no history (flat memory)
                trainer.drain()
            progress(trainer.step)
    dt = time.perf_counter() - t0
    final = trainer.data_error()
    net = trainer.network
    if args.out:
        out = doc.copy()
        out.network = net.copy()
        out.session = None  # the input's saved progress does not describe these weights
        fileformat.save(out, args.out)
    if args.json:
        _print_train_json(trainer, final, trainer.error_history, args.net)
    else:
        print(f"{trainer.step} steps in {dt:.3f} s; final error {final:.9g}")
    if trainer.diverged_at is not None:
        print(
            f"bpviz train: diverged at step {trainer.diverged_at} (a value was not finite); "
            f"kept the weights after step {trainer.diverged_at - 1}. "
            f"Try a smaller learning rate than {doc.learning_rate:g}.",
            file=sys.stderr,
        )
        return 3
    return 0


def cmd_gradcheck(args) -> int:
    from bpviz.core.gradcheck import gradcheck
    from bpviz.core.numbers import fmt

    if not args.eps > 0 or not math.isfinite(args.eps):
        raise UsageError(f"--eps {args.eps:g}: expected a number > 0")
    doc = resolve_net(args.net)
    rows = first_rows(doc, args.sample)
    with Progress("gradcheck", 0, "parameter") as progress:  # gradcheck tells the total
        res = gradcheck(
            doc.network, doc.inputs[rows], doc.targets[rows], args.method, args.eps, progress=progress
        )
    if not math.isfinite(res.max_abs_diff):
        raise UsageError(f"{args.net}: the gradients are not finite (an overflow); try smaller weights")
    if args.json:
        print_json(res.to_json(), args.net)
        return 0
    lab = doc.network.labels
    print(f"{'parameter':>14s} {'backprop':>16s} {'numeric':>16s} {'difference':>12s}")
    for e in res.weights:
        name = lab.weights[e["layer"]][e["row"]][e["col"]]
        print(
            f"{name:>14s} {fmt(e['analytic']):>16s} {fmt(e['numeric']):>16s} "
            f"{abs(e['analytic'] - e['numeric']):12.3g}"
        )
    for e in res.biases:
        name = f"{lab.biases[e['layer']][e['index']]}({lab.neurons[e['layer'] + 1][e['index']]})"
        print(
            f"{name:>14s} {fmt(e['analytic']):>16s} {fmt(e['numeric']):>16s} "
            f"{abs(e['analytic'] - e['numeric']):12.3g}"
        )
    print(f"max |backprop − numeric| = {res.max_abs_diff:.3g} ({args.method}, ε = {args.eps:g})")
    return 0
