#!/usr/bin/env bash
# Distributed testing with torchrun, one process per GPU (CPU + gloo when
# there is no CUDA).
# usage: [NNODES=1 NODE_RANK=0 PORT=29500 MASTER_ADDR=127.0.0.1] \
#        bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]
set -euo pipefail
source "$(dirname "$0")/launchers.sh"
run_torchrun test.py "$3" "$1" "$2" "${@:4}"
