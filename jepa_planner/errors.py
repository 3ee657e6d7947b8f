"""Typed user errors of the planner: bad datasets, shards, checkpoints and videos.

They share ``dsl.errors.DSLError``'s shape (a message, the file, a position where one exists, a hint), so every
command line prints them the same way and exits 1 without a traceback.
"""

from __future__ import annotations

from dsl.errors import DSLError


class PlannerError(DSLError):
    """Base of the planner's user errors."""

    code = "error"


class DatasetError(PlannerError):
    """A dataset directory is missing, damaged, or was made with other settings."""

    code = "dataset error"


class ShardError(PlannerError):
    """A shard file is truncated or damaged."""

    code = "shard error"
