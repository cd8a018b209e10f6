#!/usr/bin/env bash
# The GPU check, as one prepared script (see benchmarks/gpu.py). Run from the
# repository root on the GPU machine, with .gpu/ (git-ignored) holding the Keras
# wheels (keras, namex, optree) and .gpu/batches.npz from `python -m
# benchmarks.gpu prepare`. The wheels are installed into .gpu/site; the package
# itself is imported from the repository. Results go to $OUT (or ./gpu-out);
# then, here: python -m benchmarks.gpu report gpu-out/gpu.torch.json gpu-out/gpu.jax.json
set -u -o pipefail
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
    --upgrade --target .gpu/site .gpu/*.whl || exit 1
export PYTHONPATH="$PWD/.gpu/site:$PWD" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$OUT/nvidia-smi.csv"
status=0
for backend in torch jax; do
    KERAS_BACKEND=$backend timeout "${GPU_PART_SECONDS:-240}" python3 -m benchmarks.gpu run \
        --batches .gpu/batches.npz --out "$OUT/gpu.$backend.json" "$@" \
        2>&1 | tee "$OUT/gpu.$backend.log" || status=1
done
exit $status
