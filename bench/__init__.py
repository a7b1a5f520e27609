"""Benchmarks behind `make bench`: each module has `run(...) -> list[dict]`; `python -m bench` runs them all."""
