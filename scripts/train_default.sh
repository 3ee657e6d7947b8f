#!/usr/bin/env bash
# Rebuild the planner shipped in the package (jepa_planner/weights/default.safetensors and its MODEL_CARD.md)
# from nothing, on this 2-core CPU: data (about 3 minutes), JEPA pretraining (28 minutes at most), the scene decoder
# (25 at most) and the action-conditioned predictor (15 at most), then the export. Rerunning resumes the data and
# trains new run versions; the export replaces the shipped files.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
planner=.venv/bin/jepa-planner

for spec in "1 2000" "2 4000" "3 1500" "4 1000"; do
  set -- $spec
  "$planner" data gen --level "$1" --n "$2" --out "data/pretrain-l$1" --workers 2 --res 64x36
done

latest() { ls -td "$1"/lightning_logs/version_*/ | head -1; }

"$planner" fit --config experiments/configs/tiny-cpu.yaml
jepa="$(latest runs/tiny-cpu)weights.safetensors"
"$planner" fit --config experiments/configs/decoder-tiny-cpu.yaml --model.init_args.encoder_weights "$jepa"
decoder="$(latest runs/decoder-tiny-cpu)weights.safetensors"
"$planner" fit --config experiments/configs/action-tiny-cpu.yaml --model.init_args.encoder_weights "$jepa"
action="$(latest runs/action-tiny-cpu)weights.safetensors"

"$planner" export --decoder "$decoder" --predictor "$action" -o jepa_planner/weights/default.safetensors --force
