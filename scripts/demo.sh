#!/usr/bin/env bash
# The main job on the bundled example: check, compile and render it. Writes into out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
example=experiments/examples/demo.mscene
.venv/bin/dsl2manim check "$example"
.venv/bin/dsl2manim compile "$example" -o out/demo.py --force
.venv/bin/dsl2manim render "$example" -o out/demo.gif --width 384 --height 216 --fps 15 --force
.venv/bin/dsl2manim render "$example" -o out/demo.mp4 --width 640 --height 360 --fps 30 --force
cp "$example" out/demo.mscene
echo "demo: wrote out/demo.mscene (DSL), out/demo.py (Manim code), out/demo.gif and out/demo.mp4" >&2
