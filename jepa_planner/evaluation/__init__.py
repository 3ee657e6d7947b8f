"""The metric library of the evaluation harness, as defined in DESIGN.md "What we measure".

- ``render_log``: L2, what a compiled scene adds and plays, logged in-process, and an F1 between two logs;
- ``visual``: L3, per-frame SSIM and foreground IoU after temporal alignment, and a temporal score;
- ``scoring``: one scorer for a (target, prediction) pair covering L0 to L3 and layout, and their aggregate.

L1 (symbolic) lives in ``dsl.metrics``. Import the submodules directly; this package imports nothing heavy.
"""
