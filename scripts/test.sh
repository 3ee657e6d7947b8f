#!/usr/bin/env bash
# The whole test command: set-up, lint, formatting, types, tests. CI runs exactly this (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy dsl codegen jepa_planner tests experiments
# Arguments, when given, replace the default paths (the packages' doctests and the test suite).
if (($#)); then paths=("$@"); else paths=(dsl codegen jepa_planner tests); fi
# The fixed-seed Hypothesis profile (tests/conftest.py), so a failure here reproduces anywhere.
HYPOTHESIS_PROFILE=ci .venv/bin/python -m pytest -q -p no:cacheprovider --doctest-modules "${paths[@]}"
