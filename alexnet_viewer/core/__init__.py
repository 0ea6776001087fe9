"""Computation and state. Nothing under this package may import Qt."""
