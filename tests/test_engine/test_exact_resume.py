# Copyright (c) uet_mmdet authors. All rights reserved.
"""A FGD+UET run killed with SIGKILL and resumed ends bit-identical to the
uninterrupted run: epoch- and iteration-based loops, with and without data
worker processes."""
import glob
import json
import os.path as osp

import pytest
import torch

from uet_mmdet.models import build_detector_from_config
from ..helpers import CONFIGS, REPO_ROOT, run_tool, tool, write_test_config

pytestmark = pytest.mark.slow

UET_CONFIG = 'uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'
# 6 of the 12 images in batches of 2: 3 iterations per epoch
LOOPS = {
    'epoch':
    dict(
        loop='train_cfg = dict(max_epochs=2, val_interval=1)',
        checkpoint='dict(interval=1)',
        kill_after=5,  # epoch 2, batch 2; epoch_1.pth is the last checkpoint
        resumed_at='epoch_1.pth'),
    'iter':
    dict(
        loop="""train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=6, val_interval=6)
train_dataloader.update(sampler=dict(type='InfiniteSampler'))
log_processor = dict(by_epoch=False)""",
        checkpoint='dict(by_epoch=False, interval=2)',
        kill_after=5,  # iter_4.pth is the last checkpoint
        resumed_at='iter_4.pth'),
}

# an untrained R18 teacher: resuming is about randomness, not accuracy
TEACHER_CONFIG = osp.join(CONFIGS, 'demo', 'retinanet_r18_fpn_demo.py')


@pytest.fixture(scope='module')
def teacher_ckpt(module_tmp_path):
    teacher = build_detector_from_config(TEACHER_CONFIG)
    path = str(module_tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, path)
    return path


def _config(root: str,
            data: str,
            teacher_ckpt: str,
            loop: str,
            workers: int,
            kill_after: int = 0) -> str:
    settings = LOOPS[loop]
    hooks = ["dict(type='UETHook')"]
    if kill_after:
        hooks.append(
            f"dict(type='KillAfterIterHook', kill_after={kill_after})")
    extra = f"""model = dict(teacher=dict(config={TEACHER_CONFIG!r}),
             teacher_ckpt={teacher_ckpt!r},
             distiller=dict(uet=dict(mode='both')))
{settings['loop']}
train_dataloader.update(num_workers={workers})
train_dataloader['dataset']['indices'] = 6
val_dataloader['dataset']['indices'] = 2
train_dataloader['dataset']['pipeline'] = [
    dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
    dict(type='Resize', scale=(64, 64), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5), dict(type='PackDetInputs')]
val_dataloader['dataset']['pipeline'] = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackDetInputs', meta_keys=(
        'img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))]
param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=False,
                        begin=0, end=4)]
default_hooks.update(checkpoint={settings['checkpoint']})
custom_imports = dict(imports=['uet_mmdet', 'tests.kill_hook'],
                      allow_failed_imports=False)
custom_hooks = [{', '.join(hooks)}]
"""
    name = f'{loop}_{workers}_workers{"_killed" if kill_after else ""}.py'
    return write_test_config(osp.join(root, name), UET_CONFIG, data, extra)


def _train(config: str, work_dir: str, *extra: str):
    return run_tool([tool('train.py'), config, '--work-dir', work_dir, *extra],
                    cwd=osp.dirname(config),
                    env=dict(PYTHONPATH=REPO_ROOT))


def _losses(work_dir: str) -> dict:
    """Logged training losses by iteration, from every run in the dir."""
    losses = {}
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'loss' in record:
                    losses[record['iter']] = {
                        key: value
                        for key, value in record.items()
                        if key.startswith('loss') or key.startswith('uet/')
                    }
    return losses


def _final_state(work_dir: str) -> dict:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        path = f.read().strip()
    return torch.load(path, weights_only=True)['state_dict']


@pytest.mark.parametrize('workers', [0, 2])
@pytest.mark.parametrize('loop', ['epoch', 'iter'])
def test_killed_and_resumed_run_is_bit_identical(tmp_path, demo_data,
                                                 teacher_ckpt, loop, workers):
    root = str(tmp_path)
    whole = osp.join(root, 'whole')
    config = _config(root, demo_data, teacher_ckpt, loop, workers)
    result = _train(config, whole)
    assert result.returncode == 0, result.stderr[-3000:]

    interrupted = osp.join(root, 'interrupted')
    killed = _config(
        root,
        demo_data,
        teacher_ckpt,
        loop,
        workers,
        kill_after=LOOPS[loop]['kill_after'])
    result = _train(killed, interrupted)
    assert result.returncode == -9, result.stderr[-3000:]  # SIGKILL
    # a resumed config without a seed takes the checkpoint's
    result = _train(config, interrupted, '--resume', '--cfg-options',
                    'randomness.seed=None')
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert LOOPS[loop]['resumed_at'] in log
    assert 'not bit-identical' not in log

    expected, resumed = _final_state(whole), _final_state(interrupted)
    assert expected.keys() == resumed.keys()
    different = [
        key for key in expected if not torch.equal(expected[key], resumed[key])
    ]
    assert not different, f'{len(different)} tensors differ: {different[:3]}'
    expected_losses, resumed_losses = _losses(whole), _losses(interrupted)
    assert len(expected_losses) == 6
    assert resumed_losses == expected_losses
