"""The benchmark's one error type: a single line saying what went wrong."""


class BenchError(Exception):
    """The benchmark cannot go on; the message is one line."""
