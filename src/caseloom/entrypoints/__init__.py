"""Thin edges: parse input, send a command to the bus, map errors once."""
