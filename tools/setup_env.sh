#!/usr/bin/env bash
# Create (or update) the project virtualenv with the OpenMMLab CPU stack and saip_mm.
# Idempotent: a second run only checks what is there. mmcv 2.1.0 with compiled
# CPU ops is built once (~10 min on 2 cores) and cached under $SAIP_WHEELHOUSE.
# usage: tools/setup_env.sh [--tests]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${SAIP_VENV:-$ROOT/.venv}
WHEELHOUSE=${SAIP_WHEELHOUSE:-$HOME/.cache/saip_mm/wheels}
REQ=$ROOT/requirements
C=(-c "$REQ/constraints.txt")
t0=$SECONDS; stamp() { echo "[setup_env] $1 (${SECONDS}s)"; }
mkdir -p "$WHEELHOUSE"
# One setup at a time per venv (make demo / make test / several shells):
# concurrent pip runs in one venv, or two mmcv builds, corrupt each other.
if command -v flock >/dev/null; then
    exec 9>"$WHEELHOUSE/.setup_env.lock"
    flock 9
fi

[ -x "$VENV/bin/python" ] || python3.11 -m venv "$VENV"
PY="$VENV/bin/python"
PIP=("$PY" -m pip install -q --disable-pip-version-check "${C[@]}")
if ! "$PY" -c 'import torch, torchvision' 2>/dev/null; then
    # setuptools<81 in the same command: mmengine imports pkg_resources at run time
    "${PIP[@]}" torch==2.14.1 torchvision==0.29.1 "setuptools<81" wheel ninja
fi
stamp torch
"${PIP[@]}" -r "$REQ/runtime.txt" "setuptools<81"
"${PIP[@]}" --no-deps -r "$REQ/openmmlab.txt"
stamp openmmlab

if ! "$PY" -c 'import mmcv, mmcv.ops; assert mmcv.__version__ == "2.1.0"' 2>/dev/null; then
    WHL="$WHEELHOUSE/mmcv-2.1.0-cp311-cp311-linux_x86_64.whl"
    if [ ! -f "$WHL" ] || [ -n "${SAIP_REBUILD_MMCV:-}" ]; then
        SRC=$(mktemp -d)
        "$PY" -m pip download -q --no-deps --no-binary :all: --no-build-isolation -d "$SRC" mmcv==2.1.0
        tar xzf "$SRC"/mmcv-2.1.0.tar.gz -C "$SRC"
        # torch>=2.10 headers need C++20; mmcv 2.1.0 hard-codes -std=c++17
        sed -i "s/'-std=c++17'/'-std=c++20'/g" "$SRC"/mmcv-2.1.0/setup.py
        echo "[setup_env] building mmcv 2.1.0 with CPU ops (about 10 minutes)"
        MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=2 CFLAGS="-g0" CUDA_VISIBLE_DEVICES= \
            "$PY" -m pip wheel --no-build-isolation --no-deps -w "$WHEELHOUSE" "$SRC"/mmcv-2.1.0 \
            > "$WHEELHOUSE/mmcv-build.log" 2>&1 || { tail -50 "$WHEELHOUSE/mmcv-build.log"; exit 1; }
        rm -rf "$SRC"
    fi
    "$PY" -m pip install -q --no-deps --force-reinstall "$WHL"
fi
stamp mmcv

"$PY" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT"
if [ "${1:-}" = "--tests" ]; then
    "${PIP[@]}" -r "$REQ/tests.txt"
fi
"$PY" -c 'import mmcv.ops, mmpretrain.models, mmpose.models, mmdet.models, mmseg.models, saip_mm'
stamp done
