#!/usr/bin/env bash
# Testing on a Slurm cluster, one task per GPU.
# usage: [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 SRUN_ARGS=...] \
#        bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [args]
set -euo pipefail
source "$(dirname "$0")/launchers.sh"
run_srun test.py "$1" "$2" "$3" "$4" "${@:5}"
