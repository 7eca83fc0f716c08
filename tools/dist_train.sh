#!/usr/bin/env bash
# Multi-process training with torchrun, one process per GPU (or per CPU
# process group with gloo when no GPU is present).
#   bash tools/dist_train.sh CONFIG GPUS [train.py args...]
# Multi-node: NNODES=2 NODE_RANK=0 MASTER_ADDR=host0 bash tools/dist_train.sh ...
set -euo pipefail
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname "$0")/..:${PYTHONPATH:-}" \
torchrun \
    --nnodes="${NNODES}" \
    --node_rank="${NODE_RANK}" \
    --master_addr="${MASTER_ADDR}" \
    --nproc_per_node="${GPUS}" \
    --master_port="${PORT}" \
    "$(dirname "$0")/train.py" \
    "${CONFIG}" \
    --launcher pytorch "${@:3}"
