#!/usr/bin/env bash
# The whole test command: set-up, lint, formatting, types, tests. CI runs exactly this (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy dsl codegen jepa_planner
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
