#!/usr/bin/env bash
# Reproduce every Coupled-VAE table on PTB (Table 8 on the chitchat stand-in), Figure 2 and the Table 7
# interpolation; Markdown comparisons go under results/tables/.
#   ./reproduce.sh            quick budget (CPU; hours for everything)
#   ./reproduce.sh full       the papers' setup (GPU recommended)
# Extra arguments go to every call, e.g. ./reproduce.sh quick --seed 1 --data-dir ~/corpora
set -euo pipefail
budget="${1:-quick}"
shift || true
for table in coupled-1 coupled-2 coupled-3 coupled-4 coupled-5 coupled-9; do
    reproduce table "$table" --dataset ptb --budget "$budget" --format markdown "$@"
done
reproduce table coupled-8 --dataset chitchat --budget "$budget" --format markdown "$@"
reproduce figure coupled-fig2 --dataset ptb --budget "$budget" "$@"
reproduce interpolate --dataset ptb --budget "$budget" "$@"
for table in coupled-1 coupled-2; do
    reproduce claims "$table" --dataset ptb --budget "$budget" "$@"
done
