"""Benchmarks run by `make bench`: each compares Atsume's way with a baseline in the same run."""
