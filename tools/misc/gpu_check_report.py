# Copyright (c) uet_mmdet authors. All rights reserved.
"""The checks and the summary of tools/misc/gpu_check.sh.

    python tools/misc/gpu_check_report.py preflight --device cuda
    python tools/misc/gpu_check_report.py summary --work-dir DIR

``preflight`` refuses in one line (exit 2) when no CUDA device is visible or
mmcv's ops are CPU-only or fail on the device. ``summary`` reads the runs in
DIR (``<run>/metrics.json``, the training log's scalars, ``speed.json``) and
prints one table and the ratios, also written to ``DIR/summary.md``.
"""
import argparse
import glob
import json
import os.path as osp
import statistics
import sys
from typing import Dict, List, Optional

RUNS = ('teacher', 'fgd_fp32', 'fgd_amp', 'fgd_uet_fp32', 'fgd_uet_amp')
RATIOS = (('FGD+UET / FGD, fp32', 'fgd_uet_fp32',
           'fgd_fp32'), ('FGD+UET / FGD, AMP', 'fgd_uet_amp', 'fgd_amp'),
          ('AMP / fp32, FGD', 'fgd_amp',
           'fgd_fp32'), ('AMP / fp32, FGD+UET', 'fgd_uet_amp', 'fgd_uet_fp32'))


class CheckError(Exception):
    """What stops the GPU check, in one line."""


def exercise_cuda_ops() -> None:
    """The kernels the demo detectors need: focal loss, NMS, RoIAlign."""
    import torch
    from mmcv.ops import nms, roi_align, sigmoid_focal_loss
    logits = torch.randn(8, 4, device='cuda', requires_grad=True)
    labels = torch.randint(0, 4, (8, ), device='cuda')
    sigmoid_focal_loss(logits, labels, 2.0, 0.25, None, 'mean').backward()
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.]],
                         device='cuda')
    nms(boxes, torch.tensor([0.9, 0.8], device='cuda'), 0.5)
    rois = torch.tensor([[0., 0., 0., 4., 4.]], device='cuda')
    roi_align(torch.rand(1, 2, 8, 8, device='cuda'), rois, (2, 2))
    torch.cuda.synchronize()


def preflight(device: str) -> str:
    import torch
    if device == 'cpu':
        return f'torch {torch.__version__} on CPU (quick smoke run)'
    if not torch.cuda.is_available():
        raise CheckError(
            f'no CUDA device is visible to torch {torch.__version__} '
            f'(CUDA {torch.version.cuda}): run this on a GPU machine, or '
            'pass --device cpu --quick for a smoke run')
    from mmcv.ops import get_compiling_cuda_version
    if get_compiling_cuda_version() == 'not available':
        raise CheckError('mmcv\'s ops are CPU-only: rebuild them with '
                         'bash tools/misc/setup_env.sh (nvcc needed)')
    name = torch.cuda.get_device_name(0)
    major, minor = torch.cuda.get_device_capability(0)
    try:
        exercise_cuda_ops()
    except RuntimeError as error:
        first_line = str(error).strip().splitlines()[0]
        raise CheckError(
            f'mmcv\'s CUDA ops fail on {name} ({first_line}): rebuild with '
            f'TORCH_CUDA_ARCH_LIST containing {major}.{minor}') from None
    return (f'torch {torch.__version__}, {name} (sm_{major}{minor}), mmcv '
            f'ops built with CUDA {get_compiling_cuda_version()}')


def training_log(run_dir: str) -> List[Dict]:
    found = sorted(
        glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json')))
    if not found:
        return []
    with open(found[-1]) as f:
        entries = [json.loads(line) for line in f if line.strip()]
    return [entry for entry in entries if 'loss' in entry]


def run_row(work_dir: str, run: str) -> Optional[Dict]:
    metrics_file = osp.join(work_dir, run, 'metrics.json')
    if not osp.isfile(metrics_file):
        return None
    with open(metrics_file) as f:
        metrics = json.load(f)
    train = training_log(osp.join(work_dir, run))
    # the first logged window holds the warm-up (cuDNN, allocator)
    times = [entry['time'] for entry in train[1:] or train]
    memory = [entry['memory'] for entry in train if 'memory' in entry]
    # CocoMetric returns {} when a barely trained model detects nothing
    mAP = metrics.get('coco/bbox_mAP')
    return dict(
        mAP=None if mAP is None else 100 * mAP,
        s_iter=statistics.median(times) if times else None,
        memory=max(memory) if memory else None)


def number(value: Optional[float], digits: int) -> str:
    return 'n/a' if value is None else f'{value:.{digits}f}'


def ratio(top: Optional[float], bottom: Optional[float]) -> str:
    return 'n/a' if not top or not bottom else f'{top / bottom:.2f}'


def difference(top: Optional[float], bottom: Optional[float]) -> str:
    return 'n/a' if top is None or bottom is None else f'{top - bottom:+.1f}'


def summary(work_dir: str) -> str:
    rows = {run: run_row(work_dir, run) for run in RUNS}
    lines = [
        '| run | mAP | train s/iter | peak memory MB |', '|---|---|---|---|'
    ]
    for run, row in rows.items():
        if row is None:
            lines.append(f'| {run} | not run | | |')
            continue
        lines.append(f'| {run} | {number(row["mAP"], 1)} | '
                     f'{number(row["s_iter"], 4)} | '
                     f'{number(row["memory"], 0)} |')
    lines += [
        '', '| ratio | s/iter | peak memory | mAP difference |',
        '|---|---|---|---|'
    ]
    for title, top, bottom in RATIOS:
        if rows[top] is None or rows[bottom] is None:
            continue
        lines.append(
            f'| {title} | {ratio(rows[top]["s_iter"], rows[bottom]["s_iter"])}'
            f' | {ratio(rows[top]["memory"], rows[bottom]["memory"])} | '
            f'{difference(rows[top]["mAP"], rows[bottom]["mAP"])} |')
    speed_file = osp.join(work_dir, 'speed.json')
    if osp.isfile(speed_file):
        with open(speed_file) as f:
            speed = json.load(f)['results']
        lines += [
            '', '| speed benchmark variant | s/iter | ratio to host | '
            'peak MiB |', '|---|---|---|---|'
        ]
        lines += [
            f'| {row["variant"]} | {row["median_s"]:.4f} | '
            f'{row["ratio"]:.2f} | {number(row["peak_mib"], 0)} |'
            for row in speed
        ]
    return '\n'.join(lines)


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('preflight').add_argument(
        '--device', choices=('cuda', 'cpu'), default='cuda')
    commands.add_parser('summary').add_argument('--work-dir', required=True)
    return parser.parse_args(argv)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    try:
        if args.command == 'preflight':
            print(f'[gpu_check] {preflight(args.device)}', flush=True)
            return 0
    except CheckError as error:
        print(f'gpu_check: {error}', file=sys.stderr)
        return 2
    text = summary(args.work_dir)
    with open(osp.join(args.work_dir, 'summary.md'), 'w') as f:
        f.write(text + '\n')
    print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
