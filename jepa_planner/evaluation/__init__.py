"""The metric library of the evaluation harness, as defined in DESIGN.md "What we measure".

- ``render_log``: L2, what a compiled scene adds and plays, logged in-process, and an F1 between two logs;
- ``visual``: L3, per-frame SSIM and foreground IoU after temporal alignment, and a temporal score;
- ``scoring``: one scorer for a (target, prediction) pair covering L0 to L3 and layout, and their aggregate;
- ``methods``, ``harness``, ``report``: the planners and baselines, the ``jepa-planner eval`` loop, its outputs;
- ``surprise``: the JEPA's prediction error on a clip's future, and injected violations (teleports, exits,
  collisions) for the violation-of-expectation test.

L1 (symbolic) lives in ``dsl.metrics``. Import the submodules directly; this package imports nothing heavy.
"""
