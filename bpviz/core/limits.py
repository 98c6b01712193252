"""bpviz's limits: what a ``bpviz/1`` file, a CSV of data or the network dialog may ask for
(docs/FORMAT.md, "Limits"). The one place they are written; the loader checks them from the
declared shapes before it allocates anything, so an absurd file is a one-line message, never
gigabytes or a hang.

Chosen from what the app draws and trains usefully on a laptop: 784-128-10 (101,770 weights)
on MNIST (60,000 × 784), the 8×8 digits (1,797 × 64), and networks ten times that size.
"""

from __future__ import annotations

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_FILE_NUMBERS",
    "MAX_JSON_VALUES",
    "MAX_DEPTH",
    "MAX_LAYERS",
    "MAX_LAYER_SIZE",
    "MAX_NEURONS",
    "MAX_WEIGHTS",
    "MAX_INIT_SCALE",
    "MAX_SAMPLES",
    "MAX_DATA_VALUES",
    "MAX_PASS_VALUES",
    "MAX_TARGET",
    "MAX_NAME_CHARS",
    "MAX_LABEL_CHARS",
    "MAX_PARAM_LABEL_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_DESCRIPTION_CHARS",
    "MAX_CLASS_CHARS",
    "MAX_SESSION_STEP",
    "MAX_HISTORY",
    "MAX_CHECKPOINT_NUMBERS",
    "MAX_CHECKPOINTS",
    "MAX_REPLAY_DRAWS",
    "REPLAY_DRAW_COST",
    "network_problem",
    "data_problem",
    "test_problem",
    "replay_draws",
    "megabytes",
    "count",
]

# ---- the file as a whole
MAX_FILE_BYTES = 512 * 2**20  # 512 MiB: MNIST's 60,000 × 784 as bpviz writes it is ~380 MB
MAX_FILE_NUMBERS = 64_000_000  # numbers in rows of numbers (data, weights, history): 512 MB as float64
MAX_JSON_VALUES = 5_000_000  # every other JSON value (strings, objects, short lists): ~400 MB in Python
MAX_DEPTH = 100  # JSON nesting (a bpviz/1 file needs 6)

# ---- the network
MAX_LAYERS = 32  # layers, the input layer included
MAX_LAYER_SIZE = 4_096  # neurons in one layer (784 pixels, 3,072 = 32 × 32 × 3)
MAX_NEURONS = 16_384  # neurons in all layers
MAX_WEIGHTS = 1_000_000  # weights in all (784-128-10 has 101,770)
MAX_INIT_SCALE = 1e300  # init.scale: numpy draws uniform(-a, a) only while 2a is finite

# ---- the data
MAX_SAMPLES = 100_000  # rows of data (MNIST's training set has 60,000)
MAX_DATA_VALUES = 50_000_000  # samples × (inputs + targets): 60,000 × (784 + 10) = 47.6 M
MAX_PASS_VALUES = 20_000_000  # samples × neurons past the input: one pass over all the data
MAX_TARGET = 1e150  # |target|: its squared error stays finite (a sum of 50 M of them too)

# ---- text (characters; the strings may not hold control characters: FORMAT.md)
MAX_NAME_CHARS = 32  # a layer's name
MAX_LABEL_CHARS = 64  # a neuron's label
MAX_PARAM_LABEL_CHARS = 2 * MAX_LABEL_CHARS + 8  # a weight's or bias's label: w(h1,i2) from two
MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 10_000
MAX_CLASS_CHARS = 32  # a class name (data.classes)

# ---- the saved session
MAX_SESSION_STEP = 1_000_000_000  # updates applied (~10 hours at the swap preset's full speed)
MAX_HISTORY = 10_000_000  # errors in session.error_history
# session.checkpoints (scrubbing a reopened session): at most this many numbers in all (weights,
# biases and momentum's velocity of every checkpoint), ~20 MB of JSON; Save keeps the pinned
# ones and thins the rest evenly to fit (a 784-128-10 network: 9 checkpoints, 4 with momentum)
MAX_CHECKPOINT_NUMBERS = 1_000_000
MAX_CHECKPOINTS = 4_096  # checkpoints in session.checkpoints, however small the network
# Restoring a shuffled minibatch session draws every epoch's order again (the orders come from
# one generator in turn): at most this many draws, about 2 s. An epoch of M samples costs
# M + REPLAY_DRAW_COST draws (the cost of one call).
MAX_REPLAY_DRAWS = 200_000_000
REPLAY_DRAW_COST = 150


def count(n: int) -> str:
    """A whole number as a message writes it: 1,000,000; an absurd one cut short."""
    s = f"{n:,}"
    return s if len(s) <= 30 else s[:27] + "..."


def megabytes(n: int) -> str:
    """A byte count as people read it: 512 MB, 1.5 GB."""
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    if n >= 2**20:
        return f"{n / 2**20:.0f} MB" if n >= 10 * 2**20 else f"{n / 2**20:.1f} MB"
    return f"{n / 2**10:.0f} KB"


def network_problem(sizes: list[int]) -> tuple[str, str] | None:
    """The first limit a network of these layer sizes exceeds, as (JSON path, message), or None.
    ``sizes`` are positive integers (checked before)."""
    if len(sizes) > MAX_LAYERS:
        return "layers", f"{len(sizes):,} layers is more than bpviz handles (at most {MAX_LAYERS})"
    for k, n in enumerate(sizes):
        if n > MAX_LAYER_SIZE:
            return (
                f"layers[{k}].size",
                f"expected at most {MAX_LAYER_SIZE:,} neurons (bpviz's limit for a layer), got {count(n)}",
            )
    total = sum(sizes)
    if total > MAX_NEURONS:
        return "layers", f"{count(total)} neurons is more than bpviz handles (at most {MAX_NEURONS:,} in all)"
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    if weights > MAX_WEIGHTS:
        return "layers", f"{count(weights)} weights is more than bpviz handles (at most {MAX_WEIGHTS:,})"
    return None


def data_problem(n_samples: int, sizes: list[int]) -> tuple[str, str] | None:
    """The first limit ``n_samples`` rows of data for a network of these layer sizes exceed,
    as (JSON path, message), or None."""
    if n_samples > MAX_SAMPLES:
        return (
            "data.inputs",
            f"{n_samples:,} samples is more than bpviz handles (at most {MAX_SAMPLES:,})",
        )
    width = sizes[0] + sizes[-1]
    if n_samples * width > MAX_DATA_VALUES:
        return (
            "data.inputs",
            f"{n_samples:,} samples × {width:,} values (inputs and targets) is more than bpviz "
            f"handles (at most {MAX_DATA_VALUES:,} values)",
        )
    past_input = sum(sizes[1:])
    if n_samples * past_input > MAX_PASS_VALUES:
        return (
            "data.inputs",
            f"{n_samples:,} samples × {past_input:,} neurons past the input is more than one pass "
            f"over the data may hold (at most {MAX_PASS_VALUES:,} values)",
        )
    return None


def test_problem(n_test: int, sizes: list[int]) -> tuple[str, str] | None:
    """The first limit ``n_test`` held-out rows (data.test) exceed, as (JSON path, message), or
    None: the test rows are a data set of their own within the limits above (one pass over
    them is what the test error takes). Data and test rows together are bounded by the file's
    ``MAX_FILE_NUMBERS`` (MNIST's 60,000 + 10,000 images fit)."""
    problem = data_problem(n_test, sizes)
    if problem is not None:
        return "data.test.inputs", problem[1].replace("samples", "test samples", 1)
    return None


def replay_draws(step: int, n_samples: int, steps_per_epoch: int) -> int:
    """The random draws restoring a shuffled minibatch session at ``step`` costs: every
    epoch's order before it is drawn again."""
    epochs = step // max(1, steps_per_epoch) + 1
    return epochs * (n_samples + REPLAY_DRAW_COST)
