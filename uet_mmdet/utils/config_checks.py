# Copyright (c) uet_mmdet authors. All rights reserved.
"""Checks a config before the Runner is built, so that bad input fails in one
clear line and leaves no half-written work directory behind."""
import difflib
import importlib
import os.path as osp
from typing import Iterator, List, Optional, Set, Tuple

import mmengine.registry as mmengine_registry
from mmengine.config import Config
from mmengine.registry import Registry

from uet_mmdet.models.uet import UETConfigError, UETSettings
from .config_paths import (ConfigCheckError, dataset_nodes, in_data_root,
                           is_local, walk_dicts)
from .model_zoo import where_to_get
from .setup_env import register_all_modules
from .teacher_checkpoint import check_teacher_checkpoint

_DATALOADERS = {
    'train': ('train_dataloader', 'val_dataloader'),
    'test': ('test_dataloader', ),
}
_EVALUATORS = {'train': ('val_evaluator', ), 'test': ('test_evaluator', )}


def _registered_names() -> Set[str]:
    register_all_modules(init_default_scope=False)
    names: Set[str] = set()
    pending: List[Registry] = [
        value for value in vars(mmengine_registry).values()
        if isinstance(value, Registry)
    ]
    while pending:
        registry = pending.pop()
        registry.import_from_location()
        names.update(registry.module_dict)
        pending.extend(registry.children.values())
    # mmdet builds RoI layers and NMS by name from mmcv.ops, not a registry.
    import mmcv.ops
    names.update(name for name in dir(mmcv.ops) if not name.startswith('_'))
    return names


def _importable(dotted: str) -> bool:
    module, _, attribute = dotted.rpartition('.')
    try:
        return hasattr(importlib.import_module(module), attribute)
    except ImportError:
        return False


def check_types(cfg: Config) -> None:
    """Every string ``type`` in ``cfg`` must name a registered module."""
    names = _registered_names()
    for path, node in walk_dicts(cfg.to_dict()):
        type_name = node.get('type')
        if not isinstance(type_name, str):
            continue
        short_name = type_name.rpartition('.')[2]
        # mmrazor's RecorderManager appends 'Recorder' to recorder types
        if (short_name in names or f'{short_name}Recorder' in names
                or ('.' in type_name and _importable(type_name))):
            continue
        close = difflib.get_close_matches(short_name, names, n=1)
        hint = f'; did you mean {close[0]!r}?' if close else ''
        where = f'{path}.type' if path else 'type'
        raise ConfigCheckError(
            where,
            f'unknown type {type_name!r} at {where}: no registry of mmengine, '
            f'mmdet, mmrazor or uet_mmdet has it{hint} (a type from another '
            'package needs that package in custom_imports)')


def _require_file(key: str, path: Optional[str], what: str) -> None:
    if path and is_local(path) and not osp.isfile(osp.expanduser(path)):
        raise ConfigCheckError(key, f'{what} not found: {path}',
                               where_to_get(path))


def checkpoint_paths(cfg: Config) -> Iterator[Tuple[str, str]]:
    """``(key, path)`` of every local weights file the config reads:
    ``model.teacher_ckpt``, ``load_from`` and ``Pretrained`` checkpoints."""
    model = cfg.get('model') or {}
    keyed = [('model.teacher_ckpt', model.get('teacher_ckpt')),
             ('load_from', cfg.get('load_from'))]
    keyed += [(f'{path}.checkpoint', node.get('checkpoint'))
              for path, node in walk_dicts(cfg.to_dict().get('model'), 'model')
              if node.get('type') == 'Pretrained']
    for key, path in keyed:
        if isinstance(path, str) and path and is_local(path):
            yield key, path


def check_checkpoints(cfg: Config) -> None:
    """Teacher checkpoints, ``load_from`` and ``Pretrained`` files exist."""
    for key, path in checkpoint_paths(cfg):
        if key == 'model.teacher_ckpt':
            what = 'teacher checkpoint (model.teacher_ckpt)'
        elif key == 'load_from':
            what = 'checkpoint (load_from)'
        else:
            what = (f'pretrained weights ({key}; download them or set '
                    'init_cfg=None to train from scratch)')
        _require_file(key, path, what)


def check_data(cfg: Config, mode: str) -> None:
    """Annotation files and image folders of the dataloaders in use exist."""
    for loader_key in _DATALOADERS[mode]:
        loader = cfg.get(loader_key)
        if not loader:
            continue
        for path, dataset in dataset_nodes(loader['dataset'],
                                           f'{loader_key}.dataset'):
            data_root = dataset.get('data_root')
            if data_root and is_local(data_root) and not osp.isdir(data_root):
                raise ConfigCheckError(
                    f'{path}.data_root', f'dataset folder not found: '
                    f'{data_root} ({path}.data_root)')
            ann_file = dataset.get('ann_file')
            if ann_file:
                _require_file(f'{path}.ann_file',
                              in_data_root(data_root, ann_file),
                              f'annotation file ({path}.ann_file)')
            for key, prefix in (dataset.get('data_prefix') or {}).items():
                folder = in_data_root(data_root, prefix)
                if prefix and is_local(folder) and not osp.isdir(folder):
                    raise ConfigCheckError(
                        f'{path}.data_prefix.{key}', 'image folder not found: '
                        f'{folder} ({path}.data_prefix.{key})')
    for evaluator_key in _EVALUATORS[mode]:
        evaluators = cfg.get(evaluator_key) or []
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        for index, evaluator in enumerate(evaluators):
            key = f'{evaluator_key}[{index}].ann_file'
            _require_file(key, evaluator.get('ann_file'),
                          f'annotation file ({key})')


def check_uet_settings(cfg: Config) -> None:
    """Validate the distiller's ``uet`` block (K, rates, mode, ...) as the
    distiller will (:meth:`UETSettings.from_config`).

    Raises:
        UETConfigError: A setting that cannot work, keyed from the config's
            root, e.g. ``model.distiller.uet.num_samples``.
    """
    distiller = (cfg.get('model') or {}).get('distiller') or {}
    if not isinstance(distiller, dict) or distiller.get('uet') is None:
        return
    try:
        UETSettings.from_config(distiller['uet'])
    except UETConfigError as error:
        raise error.within('model.distiller') from None


def check_config(cfg: Config, mode: str = 'train') -> None:
    """Run every check; raise at the first problem.

    Args:
        cfg (Config): The fully merged config.
        mode (str): ``'train'`` checks the train and val data, ``'test'`` the
            test data.

    Raises:
        ConfigError: A :class:`ConfigCheckError` (a missing file, an
            unregistered type, a teacher checkpoint that does not fit) or a
            ``UETConfigError`` (a ``uet`` setting).
    """
    if mode not in _DATALOADERS:
        raise ValueError(f'mode must be train or test, got {mode!r}')
    check_types(cfg)
    check_uet_settings(cfg)
    check_checkpoints(cfg)
    check_data(cfg, mode)
    check_teacher_checkpoint(cfg)


__all__ = [
    'ConfigCheckError', 'check_config', 'check_types', 'check_checkpoints',
    'checkpoint_paths', 'check_data', 'check_uet_settings'
]
