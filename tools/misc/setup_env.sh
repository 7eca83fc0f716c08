#!/usr/bin/env bash
# Create (or update) the Python environment for uet_mmdet, CPU or CUDA.
#
#   bash tools/misc/setup_env.sh [--plan] [--system-site-packages | --no-system-site-packages]
#   VENV=/path/to/env bash tools/misc/setup_env.sh      # an existing venv or conda env
#
#   --plan   print the decisions below and install nothing
#
# Decisions (tools/misc/mmcv_build_plan.py makes the mmcv ones):
# - environment: VENV (default ./.venv). A new venv sees the base interpreter's
#   packages when that interpreter has torch, so a CUDA torch is kept.
# - torch: an importable torch is kept; otherwise TORCH_SPEC (torch==2.13.0).
# - mmcv 2.1.0 ops: CUDA when torch is a CUDA build and nvcc is found (CUDA_HOME,
#   CUDA_PATH, PATH, /usr/local/cuda), built with FORCE_CUDA=1, TORCH_CUDA_ARCH_LIST
#   (yours, else the visible GPUs', else common GPUs) and without pip's cache, so a
#   CPU-only wheel is never reused; an installed CPU-only mmcv is rebuilt. CPU
#   otherwise. MMCV_OPS=cpu|cuda overrides; MAX_JOBS defaults to the cores.
#
# The first CPU build of mmcv takes about 17 minutes on 2 cores; pip caches the
# wheel, so later runs take seconds. A CUDA build has not been timed here.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ENV_DIR="${VENV:-${REPO_ROOT}/.venv}"
PYTHON="${PYTHON:-python3.11}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
MMCV_VERSION="2.1.0"
PLAN_HELPER="${REPO_ROOT}/tools/misc/mmcv_build_plan.py"
PLAN_ONLY=0
SYSTEM_SITE=auto

for arg in "$@"; do
    case "${arg}" in
        --plan | --dry-run) PLAN_ONLY=1 ;;
        --system-site-packages) SYSTEM_SITE=1 ;;
        --no-system-site-packages) SYSTEM_SITE=0 ;;
        *) echo "setup: unknown option ${arg} (see the header of $0)" >&2; exit 2 ;;
    esac
done

say() { echo "[setup] $*"; }

ENV_PY="${ENV_DIR}/bin/python"
if [ -x "${ENV_PY}" ]; then
    say "environment: ${ENV_DIR} (existing, used through its bin/python)"
    PROBE_PY="${ENV_PY}"
else
    if [ "${SYSTEM_SITE}" = auto ]; then
        SYSTEM_SITE=0
        if "${PYTHON}" -c "import torch" 2>/dev/null; then SYSTEM_SITE=1; fi
    fi
    VENV_ARGS=()
    PROBE_PY=""
    if [ "${SYSTEM_SITE}" = 1 ]; then
        VENV_ARGS=(--system-site-packages)
        PROBE_PY="${PYTHON}"
    fi
    say "environment: ${ENV_DIR} (new venv from ${PYTHON} ${VENV_ARGS[*]:-without system site packages})"
    if [ "${PLAN_ONLY}" = 0 ]; then
        "${PYTHON}" -m venv "${VENV_ARGS[@]}" "${ENV_DIR}"
        PROBE_PY="${ENV_PY}"
    fi
fi
# the env's tools (ninja for parallel builds) without `activate`: conda envs lack it
export PATH="${ENV_DIR}/bin:${PATH}"
PIP=("${ENV_PY}" -m pip --disable-pip-version-check)

if [ -n "${PROBE_PY}" ] && "${PROBE_PY}" -c "import torch" 2>/dev/null; then
    say "torch: keep $("${PROBE_PY}" -c 'import torch; print(torch.__version__)')"
elif [ "${PLAN_ONLY}" = 1 ]; then
    say "torch: would install ${TORCH_SPEC}; mmcv ops are decided once it is installed"
    exit 0
else
    say "torch: installing ${TORCH_SPEC}"
    "${PIP[@]}" install "${TORCH_SPEC}"
    PROBE_PY="${ENV_PY}"
fi
if [ "${PLAN_ONLY}" = 0 ]; then
    "${PIP[@]}" install -q "setuptools>=77,<81" wheel ninja numpy
fi

PLAN="$("${PROBE_PY}" "${PLAN_HELPER}")"
eval "${PLAN}"
if [ "${PLAN_OPS}" = cuda ]; then
    say "mmcv ops: cuda (${PLAN_OPS_REASON}); CUDA_HOME=${PLAN_CUDA_HOME}" \
        "TORCH_CUDA_ARCH_LIST=${PLAN_ARCHS} (${PLAN_ARCHS_SOURCE})" \
        "MAX_JOBS=${PLAN_JOBS} (${PLAN_JOBS_SOURCE})"
else
    say "mmcv ops: cpu (${PLAN_OPS_REASON}); MAX_JOBS=${PLAN_JOBS} (${PLAN_JOBS_SOURCE})"
fi
say "mmcv: ${PLAN_MMCV_ACTION} (${PLAN_MMCV_REASON})"
if [ "${PLAN_ONLY}" = 1 ]; then
    exit 0
fi

MMCV_PIP=(install --no-build-isolation)
if [ "${PLAN_OPS}" = cuda ]; then
    export FORCE_CUDA=1 CUDA_HOME="${PLAN_CUDA_HOME}" TORCH_CUDA_ARCH_LIST="${PLAN_ARCHS}"
    MMCV_PIP+=(--no-cache-dir --no-binary mmcv)
fi
if [ "${PLAN_MMCV_ACTION}" = rebuild ]; then
    MMCV_PIP+=(--force-reinstall --no-deps)
fi
if [ "${PLAN_MMCV_ACTION}" != keep ]; then
    say "building mmcv ${MMCV_VERSION} with ${PLAN_OPS} ops from source"
    MMCV_WITH_OPS=1 MAX_JOBS="${PLAN_JOBS}" "${PIP[@]}" "${MMCV_PIP[@]}" "mmcv==${MMCV_VERSION}"
fi
"${ENV_PY}" "${PLAN_HELPER}" --verify "${PLAN_OPS}"

say "installing uet_mmdet (editable, with test extras)"
"${PIP[@]}" install -q -e "${REPO_ROOT}[tests]"
"${ENV_PY}" -c "import uet_mmdet; print('[setup] uet_mmdet', uet_mmdet.__version__, 'ready')"
