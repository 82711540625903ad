"""Caseloom: one defined workflow from intake to resolution, every decision on the journey."""

__version__ = "0.1.0"
