# Copyright (c) uet_mmdet authors. All rights reserved.
"""Your own data in one file: a one-class COCO dataset, one data config and
one spec run end to end; every model gets one class from the data."""
import glob
import json
import math
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config

from ..helpers import (CONFIGS, run_tool, tool, write_one_class_coco_dataset,
                       write_own_data_config)

TEACHER = osp.join(CONFIGS, 'demo', 'retinanet_r50_fpn_demo.py')
STUDENT = osp.join(CONFIGS, 'demo', 'retinanet_r18_fpn_demo.py')
FGD_UET = osp.join(CONFIGS, 'uet',
                   'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py')
SPEC = """name = 'own data'
data = 'data.py'
schedule = 'schedule.py'
teacher = dict(config={teacher!r}, schedule='schedule.py')
student = dict(config={student!r})
methods = [dict(name='FGD+UET', config={uet!r})]
seeds = [0]
"""
# one epoch of 2 iterations, evaluated by tools/test.py only
SCHEDULE = """train_cfg = dict(max_epochs=1, val_interval=2)
param_scheduler = []
"""


def _anchors_and_classes(config: str):
    """Anchors per location and num_classes of a RetinaNet config."""
    head = Config.fromfile(config).model.bbox_head
    generator = head.anchor_generator
    anchors = len(generator.ratios) * generator.scales_per_octave
    return anchors, head.num_classes


def _log(work_dir: str) -> str:
    return open(glob.glob(osp.join(work_dir, '2*', '2*.log'))[0]).read()


def _weights(work_dir: str) -> dict:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = torch.load(
            f.read().strip(), map_location='cpu', weights_only=True)
    return checkpoint['state_dict']


@pytest.mark.slow
def test_one_data_file_and_one_spec_train_one_class_models(tmp_path):
    root = str(tmp_path)
    data = write_one_class_coco_dataset(osp.join(root, 'data'), 4, 2)
    write_own_data_config(osp.join(root, 'data.py'), data)
    with open(osp.join(root, 'schedule.py'), 'w') as f:
        f.write(SCHEDULE)
    with open(osp.join(root, 'spec.py'), 'w') as f:
        f.write(SPEC.format(teacher=TEACHER, student=STUDENT, uet=FGD_UET))
    work_dir = osp.join(root, 'bench')
    result = run_tool([
        tool('reproduce.py'),
        osp.join(root, 'spec.py'), '--work-dir', work_dir
    ],
                      cwd=root,
                      timeout=600)
    output = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, output

    anchors, shipped = _anchors_and_classes(TEACHER)
    assert _anchors_and_classes(STUDENT) == (anchors, shipped)
    assert shipped != 1
    source = 'num_classes=1 from train_dataloader.dataset.metainfo.classes: '
    for run in ('teacher', 'student_seed0'):
        assert (f'{source}model.bbox_head (was {shipped})'
                in _log(osp.join(work_dir, run)))
        weights = _weights(osp.join(work_dir, run))
        assert weights['bbox_head.retina_cls.weight'].shape[0] == anchors
    distilled = osp.join(work_dir, 'FGD_UET_seed0')
    assert (f'{source}model.architecture.bbox_head (was {shipped}), '
            f'model.teacher: model.bbox_head (was {shipped}) of '
            f'{TEACHER}, in its cfg_options') in _log(distilled)
    weights = _weights(distilled)
    assert weights['architecture.bbox_head.retina_cls.weight'].shape[0] == (
        anchors)
    for run in ('teacher', 'student_seed0', 'FGD_UET_seed0'):
        with open(osp.join(work_dir, run, 'result.json')) as f:
            metrics = json.load(f)['metrics']
        assert 0.0 <= metrics['coco/bbox_mAP'] <= 1.0
        losses = re.findall(r' loss: (\S+)', _log(osp.join(work_dir, run)))
        assert losses and all(math.isfinite(float(loss)) for loss in losses)
    table = open(osp.join(work_dir, 'results.md')).read()
    for row in ('| teacher | 1 |', '| student | 1 |', '| FGD+UET | 1 |'):
        assert row in table
