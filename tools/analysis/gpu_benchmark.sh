#!/usr/bin/env bash
# One-GPU pretraining benchmark behind the GPU rows of docs/benchmarks.md:
# SAIP ViT-T (with mmpretrain MAE at the same batch)
# and ViT-S at batch 256 in bf16, then ViT-T compiled. Budgeted to finish
# in under 8 minutes including the wheel install (each run has its own
# timeout, so a slow compile cannot eat the others); prints one table.
#
# Here, once:  bash ../shared/gpu/fetch_wheels.sh      (writes .whl/)
# GPU machine: bash tools/analysis/gpu_benchmark.sh    (carry .whl)
# Results go to $OUT (the device tool's folder) or work_dirs/gpu_benchmark.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
out=${OUT:-work_dirs/gpu_benchmark}
mkdir -p "$out"
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile \
        --target .site .whl/*.whl || exit 1
    export PYTHONPATH=$PWD/.site:$PWD
fi
python3 -c 'import saip_mm, torch; assert torch.cuda.is_available()' ||
    { echo 'saip_mm does not import or no GPU'; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
    | tee "$out/gpu.txt"

bench() {  # NAME SECONDS CONFIG ARGS...
    local name=$1 limit=$2
    shift 2
    echo "== $name"
    timeout "$limit" python3 tools/analysis/benchmark_pretrain.py "$@" \
        --device cuda --batch-size 256 --rounds 3 --iters 5 \
        2>&1 | grep -v -e '^USDT' -e 'SyncActivityProfiler' \
        | tee "$out/$name.txt"
}

bench vit-t_bf16 150 configs/saip/saip_vit-t_fused-adamw_amp-bf16.py \
    --warmup 3 --baseline-mae
bench vit-s_bf16 100 configs/saip/saip_vit-s_fused-adamw_amp-bf16.py \
    --warmup 3 --baseline-mae
bench vit-t_bf16_compile 170 \
    configs/saip/saip_vit-t_fused-adamw_amp-bf16_compile.py --warmup 8

echo
echo "GPU table ($(head -2 "$out/gpu.txt" | tail -1), $(date -u +%F))"
for f in "$out"/vit-*.txt; do
    echo "-- $(basename "$f" .txt)"
    grep -e ': batch ' -e '^  [a-z]*: ' -e '^| mode ' \
        -e '^| \(saip\|mae\) ' -e 'ratio: ' "$f" ||
        echo '(no result: timed out or failed, see the log above)'
done
