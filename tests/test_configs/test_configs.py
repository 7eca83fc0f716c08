# Copyright (c) uet_mmdet authors. All rights reserved.
import glob
import math
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from uet_mmdet.utils import (ConfigCheckError, check_config, dry_run,
                             register_all_modules)
from uet_mmdet.utils.config_checks import check_types
from ..helpers import CONFIGS

# benchmark specs are not model configs (tests/test_benchmark checks them)
ALL_CONFIGS = sorted(
    path
    for path in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True) if
    '_base_' not in path and osp.basename(osp.dirname(path)) != 'benchmarks')
COCO_CONFIGS = [path for path in ALL_CONFIGS if path.endswith('_coco.py')]
FGD_COCO_CONFIGS = [
    path for path in COCO_CONFIGS if osp.basename(osp.dirname(path)) == 'fgd'
]
DISTILL_CONFIGS = [
    path for path in ALL_CONFIGS
    if osp.basename(osp.dirname(path)) not in ('demo', 'coco')
]


def _name(path: str) -> str:
    return osp.relpath(path, CONFIGS)


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=_name)
def test_config_loads_with_registered_types_and_the_plugin(path):
    cfg = Config.fromfile(path)
    check_types(cfg)
    assert cfg.custom_imports.imports == ['uet_mmdet']
    assert cfg.runner_type == 'UETRunner'


@pytest.mark.parametrize('path', COCO_CONFIGS, ids=_name)
def test_coco_config_without_files_fails_clearly(path):
    with pytest.raises(ConfigCheckError, match='not found: '):
        check_config(Config.fromfile(path))


@pytest.mark.slow
@pytest.mark.parametrize('path', DISTILL_CONFIGS, ids=_name)
def test_distill_config_trains_one_step_on_a_random_batch(path):
    losses = dry_run(Config.fromfile(path))
    assert all(math.isfinite(value) for value in losses.values())
    assert any(key.startswith('distill.') for key in losses)
    assert any(key.startswith('student.') for key in losses)


@pytest.mark.slow
@pytest.mark.parametrize('path', FGD_COCO_CONFIGS, ids=_name)
def test_fgd_coco_student_parts_have_the_teachers_shapes(path, monkeypatch):
    """The dry run drops ``student_from_teacher``; built with it (the
    teacher checkpoint not read), the named parts pass the shape check and
    read the teacher checkpoint."""
    monkeypatch.setattr(
        'mmrazor.models.algorithms.distill.configurable.'
        'single_teacher_distill.load_checkpoint', lambda *args, **kw: None)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(path)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    assert model.student_from_teacher == tuple(cfg.model.student_from_teacher)
    for name in model.student_from_teacher:
        assert model.student.get_submodule(name).init_cfg == dict(
            type='Pretrained',
            prefix=f'{name}.',
            checkpoint=cfg.model.teacher_ckpt)
