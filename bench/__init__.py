"""Caseloom's benchmarks: `make bench` (or `python -m bench`) runs them all."""
