#!/usr/bin/env bash
# The main job on the bundled example: plan a scene from a clip, then compile and render the plan. Writes into out/.
#   out/compare.gif   the example clip beside the re-render of the planned scene
#   out/demo.mscene   the planned scene graph (DSL)
#   out/demo.py       its Manim CE code (`manim -ql out/demo.py DemoPlan` renders it the usual way)
#   out/demo.mp4      the plan rendered in-process at 640x360
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
clip=experiments/examples/demo_clip.gif
.venv/bin/jepa-planner plan "$clip" -o out/demo.mscene --manim out/demo.py --compare out/compare.gif \
  --name DemoPlan --effort default --force
.venv/bin/dsl2manim check out/demo.mscene
.venv/bin/dsl2manim render out/demo.mscene -o out/demo.mp4 --width 640 --height 360 --fps 30 --force
echo "demo: planned $clip into out/demo.mscene (DSL) and out/demo.py (Manim code);" \
  "out/compare.gif shows the clip beside the plan's render, out/demo.mp4 the plan at 640x360" >&2
