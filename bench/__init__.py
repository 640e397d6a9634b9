"""Benchmark of the compliance suite against the cost of its own API calls (run with ``python -m bench``).

Nothing is imported here: ``python -m bench.floor`` must start as lean as a plain script.
"""
