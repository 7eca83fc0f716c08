# Copyright (c) uet_mmdet authors. All rights reserved.
"""``uet_mmdet::`` configs from outside the repository, model index, tools."""
import os.path as osp

import pytest
import yaml
from mmengine.config import Config
from mmengine.registry import MODELS, VISBACKENDS, init_default_scope

import uet_mmdet  # noqa: F401  (registers the uet_mmdet:: scope)
from uet_mmdet.compat.config_scope import PACKAGE_DIR
from ..helpers import REPO_ROOT

MIM = osp.join(PACKAGE_DIR, '.mim')


def test_mim_folder_ships_configs_tools_and_model_index():
    for item in ('configs', 'tools', 'model-index.yml'):
        assert osp.exists(osp.join(MIM, item)), item
    assert osp.isfile(osp.join(MIM, 'tools', 'train.py'))


def test_config_outside_repo_inherits_uet_mmdet_base(tmp_path):
    path = tmp_path / 'my_retinanet.py'
    path.write_text("_base_ = 'uet_mmdet::demo/retinanet_r18_fpn_demo.py'\n"
                    'model = dict(bbox_head=dict(num_classes=3))\n')
    cfg = Config.fromfile(str(path))
    assert cfg.model.backbone.depth == 18
    assert cfg.model._scope_ == 'uet_mmdet'
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'RetinaNet'
    assert model.bbox_head.num_classes == 3


def test_distillation_config_inherits_through_uet_mmdet(tmp_path):
    path = tmp_path / 'my_fgd_uet.py'
    path.write_text(
        "_base_ = 'uet_mmdet::uet/fgd_uet_fpn_retinanet_r50_retinanet_r18"
        "_demo.py'\n")
    cfg = Config.fromfile(str(path))
    # the teacher config is found next to the shipped one
    assert osp.isfile(cfg.model.teacher.config)
    assert cfg.model._scope_ == 'mmrazor'


def test_model_index_lists_existing_configs_and_published_numbers():
    with open(osp.join(REPO_ROOT, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    results = {}
    for metafile in index['Import']:
        with open(osp.join(REPO_ROOT, metafile)) as f:
            meta = yaml.safe_load(f)
        for model in meta['Models']:
            assert osp.isfile(osp.join(REPO_ROOT, model['Config']))
            assert 'Weights' not in model  # none published by this project
            results[model['Name']] = model['Results'][0]['Metrics']['box AP']
    assert results['fgd_fpn_gfl_r101_gfl_r50_1x_coco'] == 43.5
    assert results['fgd_uet_fpn_gfl_r101_gfl_r50_1x_coco'] == 44.1


def test_tensorboard_backend_composes():
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'demo', 'retinanet_r18_fpn_demo.py'))
    backends = [
        dict(type='LocalVisBackend'),
        dict(type='TensorboardVisBackend')
    ]
    cfg.merge_from_dict({'visualizer.vis_backends': backends})
    assert cfg.visualizer.vis_backends[1].type == 'TensorboardVisBackend'
    assert VISBACKENDS.get('TensorboardVisBackend') is not None


@pytest.mark.parametrize('name', ['train.py', 'test.py'])
def test_shipped_tools_are_the_repository_tools(name):
    with open(osp.join(MIM, 'tools', name)) as shipped, open(
            osp.join(REPO_ROOT, 'tools', name)) as source:
        assert shipped.read() == source.read()
