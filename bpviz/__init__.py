"""bpviz — a desktop app that teaches backpropagation."""

__version__ = "0.1.0"
