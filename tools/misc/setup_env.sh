#!/usr/bin/env bash
# Create (or update) the Python environment for uet_mmdet on a CPU machine.
#
#   bash tools/misc/setup_env.sh            # creates ./.venv
#   VENV=/path/to/env bash tools/misc/setup_env.sh
#
# The first run builds mmcv 2.1.0 with CPU ops from the PyPI sdist: about 17 minutes
# on 2 cores. pip keeps the built wheel in its cache, so later runs take seconds.
# An existing torch in the environment is kept (CUDA users keep theirs); otherwise
# torch==2.13.0 (CPU) is installed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-${REPO_ROOT}/.venv}"
PYTHON="${PYTHON:-python3.11}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
MMCV_VERSION="2.1.0"

if [ ! -x "${VENV}/bin/python" ]; then
    echo "[setup] creating virtual environment ${VENV}"
    "${PYTHON}" -m venv "${VENV}"
fi
# shellcheck disable=SC1091
source "${VENV}/bin/activate"
PIP="python -m pip --disable-pip-version-check"

if ! python -c "import torch" 2>/dev/null; then
    echo "[setup] installing ${TORCH_SPEC}"
    ${PIP} install "${TORCH_SPEC}"
else
    echo "[setup] keeping torch $(python -c 'import torch; print(torch.__version__)')"
fi

${PIP} install -q "setuptools>=77,<81" wheel ninja numpy

if python -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '${MMCV_VERSION}'" 2>/dev/null; then
    echo "[setup] mmcv ${MMCV_VERSION} with ops already installed"
else
    echo "[setup] installing mmcv ${MMCV_VERSION} with ops (first build from source: ~17 min on 2 cores)"
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-2}" ${PIP} install --no-build-isolation "mmcv==${MMCV_VERSION}"
fi

echo "[setup] installing uet_mmdet (editable, with test extras)"
${PIP} install -q -e "${REPO_ROOT}[tests]"
python -c "import uet_mmdet; print('[setup] uet_mmdet', uet_mmdet.__version__, 'ready')"
