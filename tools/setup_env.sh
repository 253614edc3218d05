#!/usr/bin/env bash
# Create (or update) the project virtualenv with the OpenMMLab stack and saip_mm.
# Idempotent: a second run only checks what is there. mmcv 2.1.0 is built from
# source once per Python version and ops variant and cached under
# $SAIP_WHEELHOUSE (CPU ops: ~5-10 min on 2 cores; CUDA ops: longer).
#
# usage: tools/setup_env.sh [--tests] [--dry-run]
#   --tests    also install the test tools (pytest, ruff)
#   --dry-run  print the interpreter and the mmcv ops variant a setup would
#              use, and why, then exit without installing anything
# environment:
#   SAIP_PYTHON      interpreter for a new venv (default: the first of
#                    python3.11, python3.12, python3.10, python3 on PATH that
#                    is Python 3.10-3.12 with the venv module)
#   SAIP_MMCV_OPS    auto (default) | cpu | cuda: auto builds mmcv's CUDA ops
#                    when a CUDA toolkit (CUDA_HOME, /usr/local/cuda or nvcc
#                    on PATH) and an NVIDIA GPU are present and nvcc matches
#                    torch's CUDA major version, else the CPU ops; cuda
#                    insists (set TORCH_CUDA_ARCH_LIST to build without a GPU)
#   SAIP_NVIDIA_GPUS_DIR  where the driver lists its GPUs, read when
#                    nvidia-smi is not on PATH (default: /proc/driver/nvidia/gpus)
#   SAIP_VENV        the venv (default: .venv in the repository)
#   SAIP_WHEELHOUSE  the mmcv wheel cache (default: ~/.cache/saip_mm/wheels)
#   SAIP_REBUILD_MMCV=1  rebuild the cached mmcv wheel
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${SAIP_VENV:-$ROOT/.venv}
WHEELHOUSE=${SAIP_WHEELHOUSE:-$HOME/.cache/saip_mm/wheels}
OPS=${SAIP_MMCV_OPS:-auto}
NVIDIA_GPUS_DIR=${SAIP_NVIDIA_GPUS_DIR:-/proc/driver/nvidia/gpus}
REQ=$ROOT/requirements
C=(-c "$REQ/constraints.txt")
TESTS= DRY_RUN=
for arg in "$@"; do
    case $arg in
        --tests) TESTS=1 ;;
        --dry-run) DRY_RUN=1 ;;
        *) echo "usage: $0 [--tests] [--dry-run]" >&2; exit 2 ;;
    esac
done
t0=$SECONDS; stamp() { echo "[setup_env] $1 ($((SECONDS - t0))s)"; }
die() { echo "[setup_env] error: $*" >&2; exit 1; }

# --- the interpreter ---------------------------------------------------------
# The pinned stack (requirements/constraints.txt: numpy 1.26.4, mmcv 2.1.0
# built here) installs on CPython 3.10-3.12.
SUPPORTED='3.10 3.11 3.12'
py_version() {  # "3.11" for a runnable interpreter, nothing otherwise
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}
py_problem() {  # why $1 cannot make the venv; nothing when it can
    local v
    v=$(py_version "$1") && [ -n "$v" ] ||
        { echo "does not run ($("$1" -c '' 2>&1 | grep -m1 . || true))"; return; }
    case " $SUPPORTED " in
        *" $v "*) ;;
        *) echo "is Python $v; supported: ${SUPPORTED// /, }"; return ;;
    esac
    "$1" -c 'import venv, ensurepip' >/dev/null 2>&1 ||
        echo "is Python $v without the venv module (Debian/Ubuntu: apt install python$v-venv)"
}
pick_python() {
    local c path why tried=()
    if [ -n "${SAIP_PYTHON:-}" ]; then
        path=$(command -v "$SAIP_PYTHON") || die "SAIP_PYTHON=$SAIP_PYTHON: not found"
        why=$(py_problem "$path")
        [ -z "$why" ] || die "SAIP_PYTHON=$SAIP_PYTHON ($path) $why"
        echo "$path"; return
    fi
    for c in python3.11 python3.12 python3.10 python3; do
        path=$(command -v "$c") || continue
        why=$(py_problem "$path")
        [ -z "$why" ] && { echo "$path"; return; }
        tried+=("$path $why")
    done
    local list
    list=$(printf '; %s' "${tried[@]}")
    die "no interpreter for the venv: need Python ${SUPPORTED// /, } with the venv module${tried[*]:+ (tried: ${list#; })}. Install one, or name it: SAIP_PYTHON=/path/to/python3.X make demo"
}

if [ -x "$VENV/bin/python" ]; then
    PY_MADE_BY="existing venv $VENV"
    v=$(py_version "$VENV/bin/python") || die "$VENV/bin/python does not run: remove $VENV"
    if [ -n "${SAIP_PYTHON:-}" ]; then
        want=$(pick_python)
        [ "$(py_version "$want")" = "$v" ] ||
            die "$VENV is Python $v, SAIP_PYTHON=$SAIP_PYTHON is not: remove $VENV or set SAIP_VENV"
    fi
else
    BASE_PY=$(pick_python)
    v=$(py_version "$BASE_PY")
    PY_MADE_BY="new venv $VENV from $BASE_PY"
fi
echo "[setup_env] Python $v: $PY_MADE_BY"

# --- the mmcv ops variant ----------------------------------------------------
find_cuda_home() {  # a CUDA toolkit: bin/nvcc and include/cuda_runtime.h
    local h n homes
    n=$(command -v nvcc || true)
    if [ -n "${CUDA_HOME:-}" ]; then homes=("$CUDA_HOME")
    else homes=(/usr/local/cuda ${n:+"$(dirname "$(dirname "$(realpath "$n")")")"})
    fi
    for h in "${homes[@]}"; do
        [ -n "$h" ] && [ -x "$h/bin/nvcc" ] && [ -f "$h/include/cuda_runtime.h" ] &&
            { echo "$h"; return; }
    done
    return 1
}
has_gpu() {
    { command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; } ||
        ls "$NVIDIA_GPUS_DIR"/* >/dev/null 2>&1
}
CUDA_TOOLKIT=$(find_cuda_home || true)
NVCC_VERSION=${CUDA_TOOLKIT:+$("$CUDA_TOOLKIT/bin/nvcc" --version 2>/dev/null |
    sed -n 's/.*release \([0-9.]*\),.*/\1/p')}
case $OPS in
    cpu) VARIANT=cpu REASON="SAIP_MMCV_OPS=cpu" ;;
    cuda) VARIANT=cuda REASON="SAIP_MMCV_OPS=cuda; nvcc $NVCC_VERSION in $CUDA_TOOLKIT" ;;
    auto)
        if [ -z "$CUDA_TOOLKIT" ]; then
            VARIANT=cpu REASON="no CUDA toolkit (bin/nvcc, include/cuda_runtime.h) in ${CUDA_HOME:-/usr/local/cuda or beside the nvcc on PATH}"
        elif ! has_gpu; then
            VARIANT=cpu REASON="nvcc $NVCC_VERSION in $CUDA_TOOLKIT, but no NVIDIA GPU"
        else
            VARIANT=cuda REASON="nvcc $NVCC_VERSION in $CUDA_TOOLKIT and an NVIDIA GPU"
        fi ;;
    *) die "SAIP_MMCV_OPS=$OPS: use auto, cpu or cuda" ;;
esac
[ "$VARIANT" = cpu ] || [ -n "$CUDA_TOOLKIT" ] ||
    die "SAIP_MMCV_OPS=cuda but no CUDA toolkit (bin/nvcc, include/cuda_runtime.h) in ${CUDA_HOME:-/usr/local/cuda or beside the nvcc on PATH}: set CUDA_HOME"
echo "[setup_env] mmcv ops: $VARIANT ($REASON)"
if [ -n "$DRY_RUN" ]; then
    [ "$VARIANT" = cpu ] || echo "[setup_env] (torch's CUDA version and the GPU's architecture are checked once torch is installed)"
    exit 0
fi

mkdir -p "$WHEELHOUSE"
# One setup at a time per venv (make demo / make test / several shells):
# concurrent pip runs in one venv, or two mmcv builds, corrupt each other.
if command -v flock >/dev/null; then
    exec 9>"$WHEELHOUSE/.setup_env.lock"
    flock 9
fi

[ -x "$VENV/bin/python" ] || "$BASE_PY" -m venv "$VENV"
PY="$VENV/bin/python"
# pip's own chatter (on some hosts a WARNING per package about an
# unreachable extra index in the host's pip.conf) goes to a log that is
# shown only when a step fails, so the first `make demo` reads cleanly
PIP_LOG="$VENV/setup_env-pip.log"
: >"$PIP_LOG"
logged() {
    "$@" >>"$PIP_LOG" 2>&1 || { tail -40 "$PIP_LOG" >&2; die "failed: $* (full log: $PIP_LOG)"; }
}
PIP=(logged "$PY" -m pip install -q --disable-pip-version-check "${C[@]}")
if ! "$PY" -c 'import torch, torchvision' 2>/dev/null; then
    # setuptools<81 in the same command: mmengine imports pkg_resources at run time
    "${PIP[@]}" torch==2.14.1 torchvision==0.29.1 "setuptools<81" wheel ninja
fi
stamp torch
"${PIP[@]}" -r "$REQ/runtime.txt" "setuptools<81"
"${PIP[@]}" --no-deps -r "$REQ/openmmlab.txt"
stamp openmmlab

# The CUDA variant needs what only torch can tell: its CUDA version (nvcc's
# major must match) and the GPUs' architectures (the wheel is built for them).
WHL_DIR=$WHEELHOUSE
if [ "$VARIANT" = cuda ]; then
    read -r TORCH_CUDA GPU_ARCHS < <("$PY" -c '
import torch
archs = sorted({"%d.%d" % torch.cuda.get_device_capability(i)
                for i in range(torch.cuda.device_count())})
print(torch.version.cuda or "none", ";".join(archs) or "none")')
    ARCHS=${TORCH_CUDA_ARCH_LIST:-$GPU_ARCHS}
    why=
    if [ "$TORCH_CUDA" = none ]; then why="this torch is a CPU build"
    elif [ "${NVCC_VERSION%%.*}" != "${TORCH_CUDA%%.*}" ]; then
        why="nvcc $NVCC_VERSION does not match torch's CUDA $TORCH_CUDA (install CUDA ${TORCH_CUDA%%.*}.x and set CUDA_HOME)"
    elif [ "$ARCHS" = none ]; then
        why="torch $("$PY" -c 'import torch; print(torch.__version__)') sees no GPU (driver too old for CUDA $TORCH_CUDA?); set TORCH_CUDA_ARCH_LIST to build anyway"
    fi
    if [ -n "$why" ] && [ "$OPS" = auto ]; then
        VARIANT=cpu
        echo "[setup_env] mmcv ops: cpu after all: $why. mmdet detection (RoIAlign, NMS) will then fail on GPU tensors."
    elif [ -n "$why" ]; then
        die "SAIP_MMCV_OPS=cuda: $why"
    else
        # one cached wheel per CUDA version and architecture list
        WHL_DIR=$WHEELHOUSE/cu${TORCH_CUDA//./}_sm$(printf '%s' "${ARCHS//./}" | tr -c 'A-Za-z0-9' _)
    fi
fi

if [ "$VARIANT" = cuda ]; then
    HAVE_OPS='from mmcv.ops import get_compiling_cuda_version as v; assert v() != "not available"'
else
    HAVE_OPS='from mmcv.ops import get_compiling_cuda_version as v; assert v() == "not available"'
fi
if ! "$PY" -c "import mmcv; assert mmcv.__version__ == '2.1.0'; $HAVE_OPS" 2>/dev/null; then
    PYTAG=cp$("$PY" -c 'import sys; print("%d%d" % sys.version_info[:2])')
    WHL=$(ls "$WHL_DIR"/mmcv-2.1.0-"$PYTAG"-*.whl 2>/dev/null | head -1 || true)
    if [ -z "$WHL" ] || [ -n "${SAIP_REBUILD_MMCV:-}" ]; then
        mkdir -p "$WHL_DIR"
        SRC=$(mktemp -d)
        logged "$PY" -m pip download -q --no-deps --no-binary :all: --no-build-isolation -d "$SRC" mmcv==2.1.0
        tar xzf "$SRC"/mmcv-2.1.0.tar.gz -C "$SRC"
        # torch>=2.10 headers need C++20; mmcv 2.1.0 hard-codes -std=c++17
        # (for the C++ and the nvcc flags)
        sed -i "s/'-std=c++17'/'-std=c++20'/g" "$SRC"/mmcv-2.1.0/setup.py
        JOBS=${MAX_JOBS:-$(( $(nproc) < 8 ? $(nproc) : 8 ))}
        if [ "$VARIANT" = cuda ]; then
            echo "[setup_env] building mmcv 2.1.0 with CUDA ops for sm ${ARCHS} (CUDA $TORCH_CUDA; 30 minutes or more)"
            BUILD_ENV=(MMCV_WITH_OPS=1 FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST="$ARCHS" CUDA_HOME="$CUDA_TOOLKIT")
        else
            echo "[setup_env] building mmcv 2.1.0 with CPU ops (about 10 minutes)"
            # mmcv builds CUDA ops whenever torch sees a GPU: hide it
            BUILD_ENV=(MMCV_WITH_OPS=1 FORCE_CUDA=0 CUDA_VISIBLE_DEVICES=)
        fi
        env "${BUILD_ENV[@]}" MAX_JOBS="$JOBS" CFLAGS="-g0" \
            "$PY" -m pip wheel --no-build-isolation --no-deps -w "$WHL_DIR" "$SRC"/mmcv-2.1.0 \
            > "$WHL_DIR/mmcv-build.log" 2>&1 || { tail -50 "$WHL_DIR/mmcv-build.log"; exit 1; }
        rm -rf "$SRC"
        WHL=$(ls "$WHL_DIR"/mmcv-2.1.0-"$PYTAG"-*.whl | head -1)
    fi
    logged "$PY" -m pip install -q --no-deps --force-reinstall "$WHL"
fi
stamp "mmcv ($VARIANT ops)"

logged "$PY" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT"
if [ -n "$TESTS" ]; then
    "${PIP[@]}" -r "$REQ/tests.txt"
fi
"$PY" -c 'import mmcv.ops, mmpretrain.models, mmpose.models, mmdet.models, mmseg.models, saip_mm'
stamp done
