"""The wild test set: plain Manim CE scenes written by hand, for measuring only (see README.md)."""
