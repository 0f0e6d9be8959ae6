"""safelint: the bugs Rust's compiler catches, found statically in Python code."""

__version__ = "0.1.0"
