# Launchers shared by dist_{train,test}.sh and slurm_{train,test}.sh.
# Source it; each function runs tools/<script> with the repo root on
# PYTHONPATH. PYTHON selects the interpreter; by default `python` of an
# activated virtualenv/conda env, else the repo's .venv (tools/setup_env.sh),
# else `python`.

TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}"
if [ -z "${PYTHON:-}" ]; then
    PYTHON=python
    if [ -z "${VIRTUAL_ENV:-}${CONDA_PREFIX:-}" ] \
            && [ -x "$TOOLS/../.venv/bin/python" ]; then
        PYTHON="$TOOLS/../.venv/bin/python"
    fi
fi

# usage: run_torchrun SCRIPT NPROC_PER_NODE [script args]
# torchrun (= python -m torch.distributed.run) with NNODES, NODE_RANK,
# PORT (29500) and MASTER_ADDR (127.0.0.1) from the environment. Without
# CUDA the processes run on the CPU with gloo (see tools/runner_cli.py).
run_torchrun() {
    local script=$1 nproc=$2
    shift 2
    exec "$PYTHON" -m torch.distributed.run \
        --nnodes="${NNODES:-1}" \
        --node_rank="${NODE_RANK:-0}" \
        --master_addr="${MASTER_ADDR:-127.0.0.1}" \
        --nproc_per_node="$nproc" \
        --master_port="${PORT:-29500}" \
        "$TOOLS/$script" "$@" --launcher pytorch
}

# usage: run_srun SCRIPT PARTITION JOB_NAME [script args]
# srun with GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5) and SRUN_ARGS
# from the environment; one task per GPU.
run_srun() {
    local script=$1 partition=$2 job_name=$3
    shift 3
    # mmengine's slurm launcher reads MASTER_PORT; honour PORT as dist_* do
    export MASTER_PORT="${MASTER_PORT:-${PORT:-29500}}"
    set -x
    # SRUN_ARGS is split on purpose: it holds several srun options.
    # shellcheck disable=SC2086
    exec srun -p "$partition" \
        --job-name="$job_name" \
        --gres=gpu:"${GPUS_PER_NODE:-8}" \
        --ntasks="${GPUS:-8}" \
        --ntasks-per-node="${GPUS_PER_NODE:-8}" \
        --cpus-per-task="${CPUS_PER_TASK:-5}" \
        --kill-on-bad-exit=1 \
        ${SRUN_ARGS:-} \
        "$PYTHON" -u "$TOOLS/$script" "$@" --launcher=slurm
}
