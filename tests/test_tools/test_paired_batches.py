# Copyright (c) uet_mmdet authors. All rights reserved.
"""Host and host+UET runs of one seed see the same batches (paired runs)."""
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook

from uet_mmdet.models import build_detector_from_config
from uet_mmdet.utils import build_runner, load_tool_config
from ..helpers import CONFIGS, write_test_config

pytestmark = pytest.mark.slow

HOST = 'fgd/fgd_fpn_retinanet_r50_retinanet_r18_demo.py'
HOST_UET = 'uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'


class BatchLog(Hook):
    """Records what every iteration trains on, and torch's RNG after it."""

    def __init__(self) -> None:
        self.batches, self.rng = [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.batches.append([(sample.img_id, sample.flip,
                              sample.gt_instances.bboxes.tensor.tolist())
                             for sample in data_batch['data_samples']])

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self.rng.append(torch.get_rng_state())


def _batches(tmp_path, base, demo_data, teacher_ckpt):
    config = write_test_config(
        str(tmp_path / osp.basename(base)),
        base,
        demo_data,
        extra=f'model = dict(teacher_ckpt={teacher_ckpt!r})\n'
        'default_hooks = dict(checkpoint=dict(interval=100))')
    cfg = load_tool_config(config, work_dir=str(tmp_path / base))
    runner = build_runner(cfg)
    log = BatchLog()
    runner.register_hook(log)
    runner.train()
    return log


def test_uet_does_not_change_the_data_or_the_host_randomness(
        tmp_path, demo_data):
    teacher = build_detector_from_config(
        osp.join(CONFIGS, 'demo', 'retinanet_r50_fpn_demo.py'))
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    host = _batches(tmp_path, HOST, demo_data, ckpt)
    with_uet = _batches(tmp_path, HOST_UET, demo_data, ckpt)
    assert len(host.batches) >= 3
    assert host.batches == with_uet.batches
    assert {sample[1]
            for batch in host.batches
            for sample in batch} == {True, False}
    for host_state, uet_state in zip(host.rng, with_uet.rng):
        assert torch.equal(host_state, uet_state)
