# Copyright (c) uet_mmdet authors. All rights reserved.
import importlib.util
import os.path as osp
from typing import Optional

from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS


def load_model_config(config: str,
                      cfg_options: Optional[dict] = None) -> Config:
    """Load the config a :func:`build_detector_from_config` entry names.

    Args:
        config (str): A config file on disk, or ``package::path`` of an
            installed package's config (e.g.
            ``mmdet::retinanet/retinanet_r50_fpn_1x_coco.py``, as MMRazor's
            ``cfg_path``).
        cfg_options (dict, optional): Overrides merged into it.

    Returns:
        Config: The merged config.

    Raises:
        FileNotFoundError: The file, or the package, is not there.
    """
    if '::' in config:
        package = config.partition('::')[0]
        # mmengine's get_config would pip-install a missing package
        if importlib.util.find_spec(package) is None:
            raise FileNotFoundError(
                f'model config {config}: package {package} is not installed')
        from mmengine.hub import get_config
        cfg = get_config(config)
    elif osp.isfile(config):
        cfg = Config.fromfile(config)
    else:
        raise FileNotFoundError(f'model config not found: {config}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


@MODELS.register_module(name='DetectorFromConfig')
def build_detector_from_config(config: str,
                               cfg_options: Optional[dict] = None
                               ) -> BaseModel:
    """Build the ``model`` of a config file, e.g. a teacher detector.

    MMRazor's ``cfg_path`` only resolves ``package::path`` of installed
    packages; this also takes a config file on disk, so a distillation
    config can name its teacher (or student) by the config that trained it,
    and takes overrides of that config::

        teacher=dict(type='DetectorFromConfig',
                     config='{{fileDirname}}/../demo/teacher.py',
                     cfg_options={'model.bbox_head.num_classes': 1})

    Args:
        config (str): Path of the config file that defines ``model``, or
            ``package::path`` of an installed package's config.
        cfg_options (dict, optional): Overrides merged into that config, as
            ``--cfg-options`` would, e.g. ``{'model.backbone.depth': 101}``.

    Returns:
        BaseModel: The built model, randomly initialised (load weights with the
        algorithm's ``teacher_ckpt``).
    """
    cfg = load_model_config(config, cfg_options)
    model_cfg = cfg.model
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in model_cfg:
        model_cfg.data_preprocessor = cfg.data_preprocessor
    default_scope = cfg.get(
        'default_scope',
        config.partition('::')[0] if '::' in config else 'mmdet')
    with DefaultScope.overwrite_default_scope(default_scope):
        return ROOT_MODELS.build(model_cfg)


__all__ = ['build_detector_from_config', 'load_model_config']
