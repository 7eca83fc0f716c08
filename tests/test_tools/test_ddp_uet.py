# Copyright (c) uet_mmdet authors. All rights reserved.
"""FGD+UET trained by 2 processes (gloo, one image each) against one process
holding both images of every global batch."""
import glob
import json
import math
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
from typing import List, Optional, Tuple

import pytest
import torch

from ..helpers import REPO_ROOT, run_tool, tool, write_test_config

pytestmark = pytest.mark.slow

CONFIG = 'uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'
TEACHER = 'demo/retinanet_r50_fpn_demo.py'
NO_VAL = """train_cfg = dict(max_epochs=1)
val_cfg = None
val_dataloader = None
val_evaluator = None
"""
# What differs between one batch of 2 and two batches of 1 is removed: BN
# batch statistics (student BN frozen), padding to the batch's largest image
# (one fixed size), aspect-ratio regrouping, random flips, and RetinaNet's
# per-rank loss normaliser (GlobalBatchRetinaHead). SGD, not the demo's
# AdamW: AdamW's first steps divide each gradient by its own magnitude, so
# float32 rounding in gradients near 1e-7 of a tensor's largest becomes an
# update of up to 0.1 lr, which compounds (losses 1e-3 apart after three
# steps).
COMPARABLE = NO_VAL + """custom_imports = dict(
    imports=['uet_mmdet', 'tests.ddp_helpers'], allow_failed_imports=False)
model = dict(
    teacher_ckpt={teacher!r},
    architecture=dict(
        backbone=dict(norm_eval=True),
        bbox_head=dict(type='GlobalBatchRetinaHead')),
    distiller=dict(uet={uet!r}))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(128, 128), keep_ratio=False),
    dict(type='RandomFlip', prob=0.0),
    dict(type='PackDetInputs')
]
train_dataloader = dict(
    batch_size={batch_size},
    batch_sampler=None,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.01, momentum=0.9))
default_hooks = dict(logger=dict(interval=1))
custom_hooks = [
    dict(type='UETHook'),
    dict(type='RankLossRecorder'), *{more_hooks!r}
]
"""
# 12 images, 2 per global batch
ITERATIONS = 6
FGD_TERMS = [
    f'distill.loss_fgd_fpn{level}_{term}' for level in range(5)
    for term in ('fg', 'bg', 'at', 'global')
]
LOSSES = ['loss', 'student.loss_cls', 'student.loss_bbox', *FGD_TERMS]
# one thread a process: the runs of a test train at the same time
ENV = dict(PYTHONPATH=REPO_ROOT, PYTHONHASHSEED='0', OMP_NUM_THREADS='1')


@pytest.fixture(scope='module')
def teacher(module_tmp_path, demo_data) -> str:
    """A RetinaNet R50 trained for 6 iterations: its class entropy varies
    over locations (UET weights from about 0.6 to 1.4 on fpn0-2), which a
    random teacher's hardly does (0.96 to 1.03)."""
    root = str(module_tmp_path)
    config = write_test_config(
        osp.join(root, 'teacher.py'), TEACHER, demo_data, extra=NO_VAL)
    result = run_tool(
        [tool('train.py'), config, '--work-dir', root, '--no-data-check'],
        cwd=root,
        env=ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    return osp.join(root, 'epoch_1.pth')


def _launch(root: str,
            data: str,
            teacher: str,
            processes: int,
            uet: dict,
            mask_seed: Optional[int] = None) -> Tuple[str, subprocess.Popen]:
    """Start training FGD+UET for one epoch with ``processes`` processes
    sharing global batches of 2; return the work dir and the process."""
    name = f'{processes}_processes' + (f'_masks{mask_seed}'
                                       if mask_seed is not None else '')
    more_hooks = [] if mask_seed is None else [
        dict(type='UETMaskSeedHook', seed=mask_seed)
    ]
    config = write_test_config(
        osp.join(root, f'{name}.py'),
        CONFIG,
        data,
        extra=COMPARABLE.format(
            teacher=teacher,
            uet=uet,
            batch_size=2 // processes,
            more_hooks=more_hooks))
    work_dir = osp.join(root, name)
    args = [
        tool('train.py'), config, '--work-dir', work_dir, '--no-data-check'
    ]
    if processes > 1:
        args = [
            '-m', 'torch.distributed.run', '--standalone',
            f'--nproc_per_node={processes}', *args, '--launcher', 'pytorch'
        ]
    with open(osp.join(root, f'{name}.out'), 'w') as out:
        process = subprocess.Popen([sys.executable, *args],
                                   cwd=root,
                                   env=dict(os.environ, **ENV),
                                   stdout=out,
                                   stderr=subprocess.STDOUT)
    return work_dir, process


def _train_together(root: str, data: str, teacher: str, uet: dict,
                    runs: List[tuple]) -> List[str]:
    """Train the ``(processes, mask_seed)`` runs at the same time (each
    process has one thread); return their work dirs."""
    launched = [
        _launch(root, data, teacher, processes, uet, mask_seed)
        for processes, mask_seed in runs
    ]
    for work_dir, process in launched:
        if process.wait(timeout=600) != 0:
            with open(f'{work_dir}.out') as f:
                pytest.fail(f.read()[-3000:])
    return [work_dir for work_dir, _ in launched]


def _record(work_dir: str, rank: int = 0) -> dict:
    with open(osp.join(work_dir, f'losses_rank{rank}.json')) as f:
        return json.load(f)


def _losses(work_dir: str) -> List[dict]:
    return [it['losses'] for it in _record(work_dir)['iterations']]


def _student(work_dir: str) -> dict:
    state = torch.load(
        osp.join(work_dir, 'epoch_1.pth'), weights_only=True)['state_dict']
    return {
        key: value
        for key, value in state.items() if key.startswith('architecture.')
    }


def _relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), 1e-8)


def _largest_weight_difference(a: dict, b: dict) -> float:
    assert sorted(a) == sorted(b)
    return max((a[key] - b[key]).abs().max().item() for key in a)


def _one_and_two_processes(root: str, data: str, teacher: str, uet: dict,
                           *more_runs: tuple):
    """Train with one and with two processes (and ``more_runs``); return
    the per-iteration losses of the first and the means over ranks of the
    second, with the work dirs, after checking that both saw the same global
    batches and that the ranks drew from different mask streams."""
    one_dir, two_dir, *more_dirs = _train_together(root, data, teacher, uet,
                                                   [(1, None),
                                                    (2, None), *more_runs])
    one = _record(one_dir)
    ranks = [_record(two_dir, rank) for rank in range(2)]
    # rank 0 continues the one-process stream, rank 1 has its own
    assert ranks[0]['uet_seed'] == one['uet_seed'] != ranks[1]['uet_seed']
    one, ranks = one['iterations'], [rank['iterations'] for rank in ranks]
    assert len(one) == len(ranks[0]) == len(ranks[1]) == ITERATIONS
    # DefaultSampler gives rank r the indices [r::2] of one permutation
    for single, first, second in zip(one, *ranks):
        assert single['img_ids'] == first['img_ids'] + second['img_ids']
    assert sorted(sum((it['img_ids'] for it in one), [])) == list(range(1, 13))
    for single, first, second in zip(one, *ranks):
        for it in (single, first, second):
            assert sorted(it['losses']) == sorted(LOSSES)
    mean = [{
        name: (first['losses'][name] + second['losses'][name]) / 2
        for name in LOSSES
    } for first, second in zip(*ranks)]
    return [it['losses'] for it in one], mean, [one_dir, two_dir, *more_dirs]


def _log_text(work_dir: str) -> str:
    text = ''
    for path in glob.glob(osp.join(work_dir, '*', '*.log')):
        with open(path) as f:
            text += f.read()
    return text


def test_ddp_uet_losses_and_weights_match_one_process(tmp_path, demo_data,
                                                      teacher):
    """Default UET (head_moments weights, deterministic given the teacher):
    every loss at every iteration and the final student agree to float32
    summation order."""
    one, mean, (one_dir, two_dir) = _one_and_two_processes(
        str(tmp_path), demo_data, teacher, {})
    for single, averaged in zip(one, mean):
        for name in LOSSES:
            assert math.isclose(
                single[name], averaged[name], rel_tol=1e-5,
                abs_tol=1e-8), (name, single[name], averaged[name])
    print('largest relative loss difference: %.1e' % max(
        _relative(single[name], averaged[name])
        for single, averaged in zip(one, mean) for name in LOSSES))
    one_student, two_student = _student(one_dir), _student(two_dir)
    for key, value in one_student.items():
        torch.testing.assert_close(
            two_student[key], value, rtol=1e-5, atol=1e-6, msg=key)
    print('largest weight difference: %.1e' %
          _largest_weight_difference(one_student, two_student))
    log = _log_text(two_dir)
    assert 'uet/active: 1.0000' in log
    assert re.search(r'uet/fgd_fpn0/entropy: \d', log)


def test_ddp_uet_with_sampled_masks_differs_as_other_masks_do(
        tmp_path, demo_data, teacher):
    """Feature-level masks (weight map and residual target): the runs draw
    different masks, so only what the masks cannot reach agrees to float32;
    the rest differs as a one-process run with other masks does."""
    root = str(tmp_path)
    uet = dict(level='feature', measure='variance', mode='both')
    one, mean, (one_dir, two_dir,
                other_dir) = _one_and_two_processes(root, demo_data, teacher,
                                                    uet, (1, 1))
    other = _losses(other_dir)
    # iteration 0: the same student, whose detection losses see no mask
    for name in ('student.loss_cls', 'student.loss_bbox'):
        assert math.isclose(one[0][name], mean[0][name], rel_tol=1e-5)
    assert max(_relative(one[0][name], mean[0][name])
               for name in FGD_TERMS) > 1e-3

    def fgd_median(losses: List[dict]) -> float:
        return statistics.median(
            _relative(single[name], it[name])
            for single, it in zip(one, losses) for name in FGD_TERMS)

    total = max(
        _relative(single['loss'], averaged['loss'])
        for single, averaged in zip(one, mean))
    one_student = _student(one_dir)
    weights = [
        _largest_weight_difference(one_student, _student(work_dir))
        for work_dir in (two_dir, other_dir)
    ]
    print(f'total loss {total:.1e}, FGD terms (median) '
          f'{fgd_median(mean):.1e} vs {fgd_median(other):.1e} with other '
          f'masks, weights {weights[0]:.1e} vs {weights[1]:.1e}')
    assert total < 0.03
    assert fgd_median(mean) < 2 * fgd_median(other)
    assert weights[0] < 2 * weights[1]
