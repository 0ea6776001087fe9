"""Benches: what a user experiences, measured as ratios in one run."""
