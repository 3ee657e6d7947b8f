"""Synthetic training data: a curriculum sampler of scene graphs, labelled clips, and tar shards."""
