"""Benchmarks: ``python -m tests.bench.run``; never collected as tests, timings never asserted."""
