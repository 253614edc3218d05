#!/usr/bin/env bash
# Training on a Slurm cluster, one task per GPU.
# usage: [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 SRUN_ARGS=...] \
#        bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [args]
set -euo pipefail
source "$(dirname "$0")/launchers.sh"
run_srun train.py "$1" "$2" "$3" --work-dir="$4" "${@:5}"
