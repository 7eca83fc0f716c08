#!/usr/bin/env bash
# Check uet_mmdet on one GPU in under 10 minutes and print one summary.
#
#   bash tools/misc/gpu_check.sh [--work-dir work_dirs/gpu_check]
#   bash tools/misc/gpu_check.sh --device cpu --quick     # smoke run of the script
#
# Verifies mmcv's CUDA ops on the GPU, generates the demo data, trains the demo
# RetinaNet R50 teacher briefly, then FGD and FGD+UET (R50 -> R18) with and
# without --amp, evaluates each with tools/test.py, runs the UET speed
# benchmark and prints mAP, s/iter, peak memory and the ratios FGD+UET/FGD and
# AMP/fp32. Everything is written under the work dir (summary.md at its top).
# PYTHON defaults to ./.venv/bin/python.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK_DIR="work_dirs/gpu_check"
DEVICE=cuda
QUICK=0
while [ $# -gt 0 ]; do
    case "$1" in
        --work-dir) WORK_DIR="$2"; shift ;;
        --device) DEVICE="$2"; shift ;;
        --quick) QUICK=1 ;;
        *) echo "gpu_check: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
    shift
done
if [ -x "${REPO_ROOT}/.venv/bin/python" ]; then
    PYTHON="${PYTHON:-${REPO_ROOT}/.venv/bin/python}"
else
    PYTHON="${PYTHON:-python}"
fi
cd "${REPO_ROOT}"
REPORT=(tools/misc/gpu_check_report.py)

if [ "${DEVICE}" = cpu ]; then
    export CUDA_VISIBLE_DEVICES=""
fi
"${PYTHON}" "${REPORT[@]}" preflight --device "${DEVICE}"

# a few hundred iterations (batch 8) on GPU; a few on CPU
if [ "${QUICK}" = 1 ]; then
    NUM_TRAIN=16 NUM_VAL=8 TEACHER_EPOCHS=1 STUDENT_EPOCHS=1
    SPEED_ARGS=(--iters 2 --warmup 1 --rounds 1 --samples 2 --img-size 64 --batch-size 1)
else
    NUM_TRAIN=800 NUM_VAL=200 TEACHER_EPOCHS=4 STUDENT_EPOCHS=3
    SPEED_ARGS=()
fi
PRECISIONS=(fp32 amp)
if [ "${DEVICE}" = cpu ]; then
    PRECISIONS=(fp32)  # mmengine's AmpOptimWrapper needs an accelerator
fi
mkdir -p "${WORK_DIR}"
DATA="${WORK_DIR}/data/"
DATA_OPTIONS=(--cfg-options "train_dataloader.dataset.data_root=${DATA}"
    "val_dataloader.dataset.data_root=${DATA}" "test_dataloader.dataset.data_root=${DATA}"
    "val_evaluator.ann_file=${DATA}annotations/instances_val.json"
    "test_evaluator.ann_file=${DATA}annotations/instances_val.json")

step() {  # step NAME COMMAND...: run a repository tool, its output to NAME.log
    local log="${WORK_DIR}/$1.log"
    shift
    echo "[gpu_check] $(date +%T) $*" | cut -c1-160
    "${PYTHON}" "$@" >"${log}" 2>&1 || { echo "gpu_check: failed, see ${log}" >&2; exit 1; }
}

schedule() {  # the demo schedule shortened to $1 epochs
    echo "train_cfg.max_epochs=$1" "train_cfg.val_interval=$1" \
        "param_scheduler.1.end=$1" "param_scheduler.1.T_max=$1"
}

train_and_test() {  # NAME CONFIG EPOCHS TEST_CONFIG [train options...]
    local name="$1" config="$2" epochs="$3" test_config="$4"
    shift 4
    local run="${WORK_DIR}/${name}"
    # shellcheck disable=SC2046
    step "train_${name}" tools/train.py "${config}" --work-dir "${run}" \
        "${DATA_OPTIONS[@]}" $(schedule "${epochs}") "$@"
    CHECKPOINT="$(cat "${run}/last_checkpoint")"
    if [ "${test_config}" != "${config}" ]; then
        step "export_${name}" tools/model_converters/extract_student.py \
            "${CHECKPOINT}" "${run}/student.pth"
        CHECKPOINT="${run}/student.pth"
    fi
    step "test_${name}" tools/test.py "${test_config}" "${CHECKPOINT}" \
        --work-dir "${run}/test" --metrics-out "${run}/metrics.json" "${DATA_OPTIONS[@]}"
}

step generate_data tools/misc/generate_demo_data.py --out "${DATA}" \
    --num-train "${NUM_TRAIN}" --num-val "${NUM_VAL}" --img-size 128 --min-size 8 \
    --max-size 64 --size-jitter 8 --max-objects 6
TEACHER_CFG=configs/demo/retinanet_r50_fpn_demo.py
STUDENT_CFG=configs/demo/retinanet_r18_fpn_demo.py
train_and_test teacher "${TEACHER_CFG}" "${TEACHER_EPOCHS}" "${TEACHER_CFG}"
TEACHER_CKPT="$(cat "${WORK_DIR}/teacher/last_checkpoint")"
for precision in "${PRECISIONS[@]}"; do
    AMP=()
    if [ "${precision}" = amp ]; then AMP=(--amp); fi
    train_and_test "fgd_${precision}" configs/fgd/fgd_fpn_retinanet_r50_retinanet_r18_demo.py \
        "${STUDENT_EPOCHS}" "${STUDENT_CFG}" "model.teacher_ckpt=${TEACHER_CKPT}" "${AMP[@]}"
    train_and_test "fgd_uet_${precision}" configs/uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py \
        "${STUDENT_EPOCHS}" "${STUDENT_CFG}" "model.teacher_ckpt=${TEACHER_CKPT}" "${AMP[@]}"
done
step speed tools/analysis_tools/benchmark_uet_speed.py --device "${DEVICE}" \
    --out "${WORK_DIR}/speed.json" "${SPEED_ARGS[@]}"

echo "[gpu_check] summary (${DEVICE}; also in ${WORK_DIR}/summary.md)"
"${PYTHON}" "${REPORT[@]}" summary --work-dir "${WORK_DIR}"
