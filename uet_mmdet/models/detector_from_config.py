# Copyright (c) uet_mmdet authors. All rights reserved.
import os.path as osp
from typing import Optional

from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS


@MODELS.register_module(name='DetectorFromConfig')
def build_detector_from_config(config: str,
                               cfg_options: Optional[dict] = None
                               ) -> BaseModel:
    """Build the ``model`` of a local config file, e.g. a teacher detector.

    MMRazor's ``cfg_path`` only resolves ``package::path`` of installed
    packages; this is the same for a config file on disk, so a distillation
    config can name its teacher (or student) by the config that trained it::

        teacher=dict(type='DetectorFromConfig',
                     config='{{fileDirname}}/../demo/teacher.py')

    Args:
        config (str): Path of the config file that defines ``model``.
        cfg_options (dict, optional): Overrides merged into that config, as
            ``--cfg-options`` would, e.g. ``{'model.backbone.depth': 101}``.

    Returns:
        BaseModel: The built model, randomly initialised (load weights with the
        algorithm's ``teacher_ckpt``).
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'model config not found: {config}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model_cfg = cfg.model
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in model_cfg:
        model_cfg.data_preprocessor = cfg.data_preprocessor
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'mmdet')):
        return ROOT_MODELS.build(model_cfg)


__all__ = ['build_detector_from_config']
