#!/usr/bin/env bash
# Reproduce the papers' tables, figures and claims; Markdown comparisons go under results/tables/.
#   ./reproduce.sh [quick|full] [coupled|wae|vmed|ami|all]     (default: quick coupled)
# Extra arguments go to every call, e.g. ./reproduce.sh quick all --seeds 3 --jobs 2
# DRY_RUN=1 prints the calls instead of running them.
# Real corpora are looked for in --data-dir D or $REPRODUCE_DATA_DIR (README, "Data"); PTB ships with the suite.
# A table whose corpus is not there runs on its packaged stand-in (PTB for SNLI, chitchat for the dialogue
# corpora): this script says so, and every output labels it a stand-in, never compared with the paper.
# At the full budget VMED's rows also start from Google's word2vec vectors, which the data directory must hold.
set -euo pipefail
budget="${1:-quick}"
case "$budget" in
    quick|full|smoke) ;;
    *) echo "usage: ./reproduce.sh [quick|full] [coupled|wae|vmed|ami|all] [ARGS...]" >&2; exit 2 ;;
esac
shift || true
paper=coupled
case "${1:-}" in coupled|wae|vmed|ami|all) paper="$1"; shift ;; esac
extra=("$@")
for ((i = 0; i < ${#extra[@]}; i++)); do      # the presence check below looks where the runs will
    case "${extra[i]}" in
        --data-dir) export REPRODUCE_DATA_DIR="${extra[i + 1]:-}" ;;
        --data-dir=*) export REPRODUCE_DATA_DIR="${extra[i]#--data-dir=}" ;;
    esac
done

present=$(python -c 'from suite.data.datasets import DATASETS, data_dir_from
print(" ".join(name for name, d in DATASETS.items() if d.is_present(data_dir_from(None))))')
corpus() {     # $1 if present, else the stand-in $2 (announced on stderr)
    if [[ " $present " == *" $1 "* ]]; then
        echo "$1"
    else
        echo "$1: not in the data directory, running the labelled stand-in $2 (not compared)" >&2
        echo "$2"
    fi
}
run() {        # run COMMAND TARGET REAL_CORPUS STAND_IN [ARGS...]
    local command=$1 target=$2 dataset
    dataset=$(corpus "$3" "$4")
    call "$command" "$target" --dataset "$dataset" --budget "$budget" "${@:5}" "${extra[@]}"
}
call() {       # each call is named on stderr, so a long log says where it is
    if [[ -n ${DRY_RUN:-} ]]; then echo reproduce "$@"; else echo "== reproduce $*" >&2; reproduce "$@"; fi
}
wants() { [[ $paper == all || $paper == "$1" ]]; }

if [[ $budget == full ]] && wants vmed; then    # fail now, not after days of other tables
    python -c 'import sys
from suite.data.datasets import data_dir_from
from suite.data.word_vectors import GOOGLE_NEWS, vectors_path
from suite.errors import DataMissing
try:
    vectors_path(GOOGLE_NEWS, data_dir_from(None))
except DataMissing as missing:
    sys.exit(f"error: {missing}")'
fi

if wants coupled; then
    for table in coupled-1 coupled-2 coupled-3 coupled-4 coupled-5 coupled-9; do
        run table "$table" ptb ptb --format markdown
    done
    run table coupled-8 switchboard chitchat --format markdown
    run figure coupled-fig2 ptb ptb
    call interpolate --dataset ptb --budget "$budget" "${extra[@]}"
    for table in coupled-1 coupled-2; do
        run claims "$table" ptb ptb
    done
fi
if wants wae; then
    run table wae-1 snli ptb --format markdown
    run table wae-2 dailydialog chitchat --format markdown
    run figure wae-fig2 snli ptb
    run figure wae-fig3 snli ptb
    run claims wae-1 snli ptb
    run claims wae-2 dailydialog chitchat
fi
if wants vmed; then
    for pair in vmed-1:cornell vmed-2:opensubtitles vmed-3:lj vmed-4:reddit; do
        run table "${pair%%:*}" "${pair#*:}" chitchat --format markdown
        run claims "${pair%%:*}" "${pair#*:}" chitchat
    done
fi
if wants ami; then
    run table ami-dialog personachat chitchat --format markdown
fi
