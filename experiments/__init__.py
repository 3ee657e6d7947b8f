"""Experiments and benchmarks: thin scripts over the library, each run from the repository root as
``python -m experiments.NAME`` (``python -m experiments.bench_data --help``). They only call ``jepa_planner``,
``codegen`` and ``dsl``; nothing in the library imports them."""
