#!/usr/bin/env bash
# Set up a fresh Debian machine (Python 3.11): system packages, then .venv with torch pinned to the CPU wheel
# first, then this project in editable mode with its dev tools. Safe to rerun: each step skips what is done, and
# a change to pyproject.toml, to the torch pin or to TORCH_PIP_ARGS reinstalls.
#
# TORCH_PIP_ARGS: extra pip options for the torch install only, e.g. the CPU wheel index on a machine that would
# otherwise pull several GB of CUDA from the public registry:
#   TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu" bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libcairo2-dev libpango1.0-dev pkg-config texlive-latex-base texlive-latex-extra dvisvgm tesseract-ocr tesseract-ocr-eng)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)" >&2
  "$PYTHON" -m venv .venv
fi
TORCH_PIN="torch==2.13.0"
TORCH_PIP_ARGS="${TORCH_PIP_ARGS:-}"
stamp=".venv/.installed-$( (cat pyproject.toml; echo "$TORCH_PIN $TORCH_PIP_ARGS") | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  # torch first and pinned: a plain `pip install torch` can pull several GB of CUDA.
  # shellcheck disable=SC2086 # TORCH_PIP_ARGS is a list of options, split on purpose
  .venv/bin/python -m pip install -q $TORCH_PIP_ARGS "$TORCH_PIN"
  .venv/bin/python -m pip install -q -e ".[dev]"
  rm -f .venv/.installed-* && touch "$stamp"
fi
echo "setup: ready ($(.venv/bin/python --version))" >&2
