#!/usr/bin/env bash
# The GPU check, as one prepared script (see benchmarks/gpu.py). Run from the
# repository root on the GPU machine, with .gpu/ holding the Keras wheels
# (keras, namex, optree) and .gpu/batches.npz from `python -m benchmarks.gpu
# prepare`. Results go to $OUT (or ./gpu-out).
set -u -o pipefail
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
    --upgrade --target /tmp/site .gpu/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$OUT/nvidia-smi.csv"
status=0
for backend in torch jax; do
    KERAS_BACKEND=$backend timeout "${GPU_PART_SECONDS:-240}" python3 -m benchmarks.gpu run \
        --batches .gpu/batches.npz --out "$OUT/gpu.$backend.json" "$@" \
        2>&1 | tee "$OUT/gpu.$backend.log" || status=1
done
exit $status
