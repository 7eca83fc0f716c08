# Copyright (c) uet_mmdet authors. All rights reserved.
"""mmdet 2.x model-zoo checkpoints load under the weights-only loader.

A zoo file is what mmcv 1.x's ``save_checkpoint`` wrote (``meta`` with
``mmcv_version``, ``time``, ``CLASSES``; the runner's ``epoch``, ``iter``
and ``hook_msgs``; mmdet's ``env_info``, ``config``, ``seed``,
``exp_name``; ``state_dict`` an OrderedDict keeping ``_metadata``), minus
the optimizer, re-saved by mmdet's ``publish_model.py`` in torch's legacy
(not zip) format.
"""
import collections
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader, load_checkpoint
from torch import nn

import uet_mmdet  # noqa: F401
from uet_mmdet.compat import UnsafeCheckpointError, allow_resume_globals
from uet_mmdet.utils import ConfigCheckError
from uet_mmdet.utils.checkpoint_export import publish_weights
from uet_mmdet.utils.teacher_checkpoint import check_teacher_checkpoint
from ..helpers import CONFIGS

COCO_CLASSES = ('person', 'bicycle', 'car')


def _model() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))


def _mmdet2_checkpoint(model: nn.Module, **meta) -> dict:
    state = model.state_dict()
    weights = collections.OrderedDict(
        (key, value.cpu()) for key, value in state.items())
    weights._metadata = state._metadata
    return dict(
        meta=dict(
            env_info='sys.platform: linux\nPyTorch: 1.5.0',
            seed=None,
            config="model = dict(type='GFL')",
            exp_name='gfl.py',
            mmcv_version='0.6.2',
            time='Mon Jun 29 20:01:26 2020',
            CLASSES=COCO_CLASSES,
            epoch=24,
            iter=175872,
            hook_msgs=dict(last_ckpt='work_dirs/gfl/epoch_24.pth'),
            **meta),
        state_dict=weights)


def _save_legacy(checkpoint: dict, path) -> str:
    torch.save(checkpoint, str(path), _use_new_zipfile_serialization=False)
    return str(path)


def test_zoo_checkpoint_loads_weights_only_as_mmrazor_loads_teachers(tmp_path):
    trained = _model()
    nn.init.normal_(trained[0].weight)
    trained[1].running_mean.fill_(0.5)
    path = _save_legacy(_mmdet2_checkpoint(trained), tmp_path / 'zoo.pth')
    fresh = _model()
    # SingleTeacherDistill reads teacher_ckpt with mmengine's load_checkpoint
    checkpoint = load_checkpoint(fresh, path, map_location='cpu')
    assert checkpoint['meta']['CLASSES'] == COCO_CLASSES
    for key, value in trained.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key


def test_zoo_checkpoint_passes_the_teacher_shape_check(tmp_path):
    config = osp.join(CONFIGS, 'uet',
                      'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py')
    cfg = Config.fromfile(config)
    checkpoint = dict(_mmdet2_checkpoint(_model()))
    checkpoint['state_dict'] = collections.OrderedDict(
        {'backbone.conv1.weight': torch.zeros(64, 3, 7, 7)})
    cfg.model.teacher_ckpt = _save_legacy(checkpoint, tmp_path / 'zoo.pth')
    check_teacher_checkpoint(cfg)
    checkpoint['state_dict']['backbone.conv1.weight'] = torch.zeros(
        64, 3, 3, 3)
    cfg.model.teacher_ckpt = _save_legacy(checkpoint, tmp_path / 'bad.pth')
    with pytest.raises(ConfigCheckError, match='does not fit'):
        check_teacher_checkpoint(cfg)


def test_numpy_in_meta_is_refused_then_published_with_trust(tmp_path):
    """A user's own 2.x checkpoint may hold numpy scalars (e.g. a best
    score); the weights-only loader refuses them and publish_model --trust
    keeps only the weights."""
    model = _model()
    path = _save_legacy(
        _mmdet2_checkpoint(model, best_score=np.float64(0.447)),
        tmp_path / 'own.pth')
    with pytest.raises(UnsafeCheckpointError, match='publish_model.py'):
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    with allow_resume_globals():
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    published = tmp_path / 'published.pth'
    torch.save(publish_weights(checkpoint), published)
    loaded = torch.load(published, weights_only=True)
    assert loaded['state_dict'].keys() == model.state_dict().keys()
