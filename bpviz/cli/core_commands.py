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
    # with momentum, the step starts from the file's saved velocity (session.velocity; 0 without)
    tr = trace_step(doc, first_rows(doc, args.sample), velocity=doc.velocity)
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
    momentum = f", momentum {doc.momentum:g}" if doc.momentum else ""
    print(
        f"{doc.title or args.net} — one step on {which} of {doc.n_samples}, "
        f"learning rate {doc.learning_rate:g}{momentum}"
    )
    width = len(str(len(tr.phases)))
    for ph in tr.phases:
        print()
        print(f"[{ph.index + 1:{max(2, width)}d}] {ph.name} — {ph.title}")
        print(f"     {formula_text(ph)}")
        for line in lines_text(ph):
            print(f"       {line}")
    return 0


def _finite(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


def _print_train_json(trainer, final: float, history, args_net: str, held_out: dict) -> None:
    """train's JSON object, its error history written a slice at a time (a long history is
    never one huge list of Python floats and one huge string at once)."""
    net = trainer.network
    obj = {
        "steps": trainer.step,
        "error_history": "@HISTORY@",
        "final_error": _finite(final),
        "weights": [w.tolist() for w in net.weights],
        "biases": None if net.biases is None else [b.tolist() for b in net.biases],
        "diverged_at": trainer.diverged_at,
        **held_out,
    }
    if trainer.momentum:  # gradient descent with momentum: α and the velocity it ends with
        v = trainer.velocity
        obj["momentum"] = trainer.momentum
        obj["velocity"] = (
            None
            if v is None
            else {
                "weights": [a.tolist() for a in v.weights],
                "biases": None if v.biases is None else [a.tolist() for a in v.biases],
            }
        )
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
    # the test error every `every` steps (about 1,000 points) and at the last step, with --json
    tested = args.json and len(doc.test_inputs) > 0
    every = max(1, args.steps // 1000)
    test_history: list[list] | None = [] if tested else None
    t0 = time.perf_counter()
    with Progress("train", args.steps, "step") as progress:
        while trainer.step < args.steps and trainer.diverged_at is None:
            n = args.steps - trainer.step
            if tested:
                n = min(n, every - trainer.step % every)
            trainer.run(max_steps=n, seconds=0.25)
            if not args.json:  # only the final error is printed: keep no history (flat memory)
                trainer.drain()
            if tested and trainer.step % every == 0 and trainer.diverged_at is None:
                test_history.append([trainer.step, _finite(trainer.test_error())])
            progress(trainer.step)
    dt = time.perf_counter() - t0
    final = trainer.data_error()
    net = trainer.network
    test_error = trainer.test_error() if len(doc.test_inputs) else None
    if tested and (not test_history or test_history[-1][0] != trainer.step) and trainer.step:
        test_history.append([trainer.step, _finite(test_error)])
    accuracy, test_accuracy = trainer.accuracy(), trainer.test_accuracy()
    if args.out:
        out = doc.copy()
        out.network = net.copy()
        out.session = None  # the input's saved progress does not describe these weights
        out.velocity = trainer.velocity  # (momentum's v goes with them: session.velocity)
        fileformat.save(out, args.out)
    if args.json:
        held_out = {
            "final_test_error": _finite(test_error),
            "test_error_history": test_history,
            "accuracy": accuracy,
            "test_accuracy": test_accuracy,
        }
        _print_train_json(trainer, final, trainer.error_history, args.net, held_out)
    else:
        line = f"{trainer.step} steps in {dt:.3f} s; final error {final:.9g}"
        if test_error is not None:
            line += f"; test error {test_error:.9g}"
        if accuracy is not None:
            line += f"; accuracy {100 * accuracy:.1f} %"
        if test_accuracy is not None:
            line += f" (test {100 * test_accuracy:.1f} %)"
        print(line)
    if trainer.diverged_at is not None:
        print(
            f"bpviz train: diverged at step {trainer.diverged_at} (a value was not finite); "
            f"kept the weights after step {trainer.diverged_at - 1}. "
            f"Try a smaller learning rate than {doc.learning_rate:g}"
            + (f" or a smaller momentum than {doc.momentum:g}." if doc.momentum else "."),
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
