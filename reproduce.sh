#!/usr/bin/env bash
# Reproduce every implemented table on PTB and write Markdown comparisons under results/tables/.
#   ./reproduce.sh            quick budget (CPU, minutes per table)
#   ./reproduce.sh full       the papers' setup (hours per model on a GPU)
# Extra arguments go to every `reproduce table` call, e.g. ./reproduce.sh quick --seed 1
set -euo pipefail
budget="${1:-quick}"
shift || true
for table in coupled-1 coupled-2 coupled-9; do
    reproduce table "$table" --dataset ptb --budget "$budget" --format markdown "$@"
done
