# Copyright (c) uet_mmdet authors. All rights reserved.
"""A teacher checkpoint that does not fit the teacher is refused in one
line, before the Runner half-loads it."""
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config

from uet_mmdet.utils import ConfigCheckError
from uet_mmdet.utils.dataset_classes import match_num_classes
from uet_mmdet.utils.teacher_checkpoint import check_teacher_checkpoint
from ..helpers import CONFIGS

FGD_UET = osp.join(CONFIGS, 'uet',
                   'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py')
TEACHER = osp.join(CONFIGS, 'demo', 'retinanet_r50_fpn_demo.py')
FGD_FASTER_RCNN = osp.join(
    CONFIGS, 'fgd', 'fgd_fpn_faster-rcnn_r101_faster-rcnn_r50_2x_coco.py')
KEY = 'teacher checkpoint (model.teacher_ckpt)'


def _config(path: str, checkpoint: str, *classes: str) -> Config:
    cfg = Config.fromfile(path)
    cfg.merge_from_dict({
        'train_dataloader.dataset.metainfo':
        dict(classes=classes),
        'model.teacher_ckpt':
        checkpoint
    })
    match_num_classes(cfg)
    return cfg


def _save(path, **tensors) -> str:
    """A checkpoint holding only ``tensors``, as mmengine saves one."""
    torch.save({'meta': {}, 'state_dict': tensors}, str(path))
    return str(path)


def test_retinanet_checkpoint_of_other_classes_names_the_count(tmp_path):
    head = Config.fromfile(TEACHER).model.bbox_head
    anchors = len(head.anchor_generator.ratios) * (
        head.anchor_generator.scales_per_octave)
    trained = head.num_classes
    path = _save(
        tmp_path / 'teacher.pth', **{
            'bbox_head.retina_cls.weight':
            torch.zeros(anchors * trained, head.feat_channels, 3, 3)
        })
    with pytest.raises(ConfigCheckError) as error:
        check_teacher_checkpoint(_config(FGD_UET, path, 'cat'))
    assert str(error.value) == (
        f'{KEY} {path} was trained with {trained} classes (bbox_head.'
        f'retina_cls.weight has {anchors * trained} rows for {anchors} '
        'anchors) but model.teacher has 1; give a teacher trained on these '
        'classes')


def test_softmax_roi_head_counts_the_background_row(tmp_path):
    path = _save(
        tmp_path / 'coco_teacher.pth',
        **{'roi_head.bbox_head.fc_cls.weight': torch.zeros(80 + 1, 1024)})
    with pytest.raises(ConfigCheckError) as error:
        check_teacher_checkpoint(_config(FGD_FASTER_RCNN, path, 'a', 'b'))
    assert str(error.value) == (
        f'{KEY} {path} was trained with 80 classes (roi_head.bbox_head.'
        'fc_cls.weight has 81 rows, background included) but model.teacher '
        'has 2; give a teacher trained on these classes')


def test_other_shapes_are_named_with_both_shapes(tmp_path):
    path = _save(tmp_path / 'other.pth',
                 **{'backbone.conv1.weight': torch.zeros(64, 3, 3, 3)})
    with pytest.raises(ConfigCheckError) as error:
        check_teacher_checkpoint(_config(FGD_UET, path, 'cat'))
    assert str(error.value) == (
        f'{KEY} {path} does not fit model.teacher: backbone.conv1.weight is '
        '[64, 3, 3, 3] there, [64, 3, 7, 7] in the model (another '
        'architecture?)')


def test_a_fitting_checkpoint_and_no_checkpoint_pass(tmp_path):
    head = Config.fromfile(TEACHER).model.bbox_head
    anchors = len(head.anchor_generator.ratios) * (
        head.anchor_generator.scales_per_octave)
    path = _save(
        tmp_path / 'one_class.pth', **{
            'bbox_head.retina_cls.weight': torch.zeros(anchors, 128, 3, 3),
            'module.backbone.conv1.weight': torch.zeros(64, 3, 7, 7)
        })
    check_teacher_checkpoint(_config(FGD_UET, path, 'cat'))
    # a missing file is check_checkpoints' to report
    check_teacher_checkpoint(
        _config(FGD_UET, str(tmp_path / 'missing.pth'), 'cat'))


def test_a_file_that_is_not_a_checkpoint_fails_in_one_line(tmp_path):
    path = tmp_path / 'notes.pth'
    path.write_text('not a checkpoint')
    with pytest.raises(
            ConfigCheckError,
            match=f'^{re.escape(f"{KEY} {path}")} does not '
            'load: '):
        check_teacher_checkpoint(_config(FGD_UET, str(path), 'cat'))
