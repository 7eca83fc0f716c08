# Copyright (c) uet_mmdet authors. All rights reserved.
"""The model-zoo table and the COCO configs name the same files, and a
missing one is reported with where to get it."""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config

from uet_mmdet.utils import MODEL_ZOO, ConfigCheckError
from uet_mmdet.utils.config_checks import check_checkpoints, checkpoint_paths
from uet_mmdet.utils.model_zoo import weights_named
from ..helpers import CONFIGS

COCO_CONFIGS = sorted(
    glob.glob(osp.join(CONFIGS, '*', '*_coco.py')) +
    glob.glob(osp.join(CONFIGS, '*', '*coco*', '*.py')))
DISTILL_COCO = [
    path for path in COCO_CONFIGS
    if osp.basename(osp.dirname(path)) in ('fgd', 'pkd', 'uet')
]


def _name(path: str) -> str:
    return osp.relpath(path, CONFIGS)


def test_each_file_name_ends_in_its_sha256_prefix():
    for name, weights in MODEL_ZOO.items():
        assert re.fullmatch('[0-9a-f]{8}', weights.sha256_prefix), name
        assert weights.filename.endswith(f'-{weights.sha256_prefix}.pth')
        assert weights.url.startswith('https://'), name
    # the reppoints URL quotes its '+'
    assert '+' in MODEL_ZOO[
        'reppoints-moment_r101_fpn-gn_head-gn_2x_coco'].filename


@pytest.mark.parametrize('path', COCO_CONFIGS, ids=_name)
def test_coco_config_reads_only_table_files_under_checkpoints(path):
    paths = dict(checkpoint_paths(Config.fromfile(path)))
    assert paths
    for key, file in paths.items():
        name = weights_named(file)
        assert name is not None, f'{key}: {file} is not in MODEL_ZOO'
        assert file == f'checkpoints/{MODEL_ZOO[name].filename}'


@pytest.mark.parametrize('path', DISTILL_COCO, ids=_name)
def test_teacher_checkpoint_is_the_zoo_file_of_the_teacher_config(path):
    model = Config.fromfile(path).model
    weights = MODEL_ZOO[weights_named(model.teacher_ckpt)]
    assert model.teacher.cfg_path == weights.config


def test_every_table_entry_is_read_by_a_config():
    read = {
        weights_named(file)
        for path in COCO_CONFIGS
        for _, file in checkpoint_paths(Config.fromfile(path))
    }
    assert read == set(MODEL_ZOO)


def test_missing_zoo_file_says_where_to_get_it():
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'fgd', 'fgd_fpn_gfl_r101_gfl_r50_1x_coco.py'))
    cfg.model.architecture.backbone.init_cfg = None
    weights = MODEL_ZOO['gfl_r101_fpn_ms-2x_coco']
    with pytest.raises(ConfigCheckError) as error:
        check_checkpoints(cfg)
    assert str(error.value) == (
        'teacher checkpoint (model.teacher_ckpt) not found: checkpoints/'
        f'{weights.filename}; get it from {weights.url} or run `python '
        'tools/misc/download_weights.py gfl_r101_fpn_ms-2x_coco`')


def test_missing_file_elsewhere_names_the_folder_and_others_no_url():
    cfg = Config(
        dict(
            model=dict(
                teacher_ckpt='/w/resnet50-0676ba61.pth',
                backbone=dict(
                    init_cfg=dict(type='Pretrained', checkpoint='mine.pth')))))
    with pytest.raises(
            ConfigCheckError,
            match=re.escape('download_weights.py resnet50 --save-dir /w`')):
        check_checkpoints(cfg)
    cfg.model.teacher_ckpt = None
    with pytest.raises(ConfigCheckError) as error:
        check_checkpoints(cfg)
    assert str(error.value).endswith('from scratch) not found: mine.pth')
