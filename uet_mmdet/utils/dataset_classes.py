# Copyright (c) uet_mmdet authors. All rights reserved.
"""Fit the models' ``num_classes`` to the classes the data config states.

Data for one's own classes is one data config with ``metainfo.classes``;
:func:`match_num_classes` sets ``num_classes`` of the detector, of the
architecture inside a distiller and of the teacher from it, so that no
teacher, student or distillation config has to be copied for the count.
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple, Union

from mmengine.config import Config

from uet_mmdet.datasets import KEEP_KEY
from uet_mmdet.models.detector_from_config import load_model_config
from .config_paths import ConfigCheckError, dataset_nodes

SettingKey = Tuple[Union[str, int], ...]

_DATALOADERS = {'train': 'train_dataloader', 'test': 'test_dataloader'}
# heads with a label space of their own: RPN proposals are class-agnostic
# (num_classes=1), HTC's semantic head predicts stuff classes
OWN_LABEL_SPACES = ('rpn_head', 'semantic_head')


def dataset_classes(cfg: Config,
                    mode: str = 'train') -> Optional[Tuple[tuple, str]]:
    """The classes the dataset of ``mode`` states, and where.

    Dataset wrappers (``dataset=``, ``datasets=``) are looked through.

    Args:
        cfg (Config): The merged config.
        mode (str): ``train`` reads ``train_dataloader``, ``test``
            ``test_dataloader``.

    Returns:
        tuple | None: The classes and the key of their
        ``metainfo.classes``; ``None`` when no ``metainfo.classes`` is set
        (the dataset type's own classes apply, e.g. COCO's 80).

    Raises:
        ConfigCheckError: The classes are a string or empty, or two datasets
            of the dataloader state different classes.
    """
    loader_key = _DATALOADERS[mode]
    loader = cfg.get(loader_key)
    if not loader or not isinstance(loader.get('dataset'), dict):
        return None
    stated = []
    for key, node in dataset_nodes(loader['dataset'], f'{loader_key}.dataset'):
        classes = (node.get('metainfo') or {}).get('classes')
        where = f'{key}.metainfo.classes'
        if classes is None:
            continue
        if isinstance(classes, str):
            raise ConfigCheckError(
                where, f'{where} is the string {classes!r}, not a tuple of '
                f'class names; write ({classes!r}, ) with the comma')
        if not classes:
            raise ConfigCheckError(where, f'{where} is empty')
        stated.append((tuple(classes), where))
    for classes, where in stated[1:]:
        if classes != stated[0][0]:
            raise ConfigCheckError(
                where, f'{stated[0][1]} {list(stated[0][0])} and {where} '
                f'{list(classes)} differ; the datasets of one dataloader '
                'need the same classes')
    return stated[0] if stated else None


def class_count_keys(detector: dict) -> Dict[SettingKey, int]:
    """Where a detector's model dict sets ``num_classes``, and to what.

    Every head is counted (``bbox_head``, ``roi_head.bbox_head``,
    ``mask_head``, a loss's own ``num_classes``, ...) except those of
    :data:`OWN_LABEL_SPACES`.

    Args:
        detector (dict): A detector's ``model`` dict.

    Returns:
        dict: ``num_classes`` by its key path, e.g.
        ``('roi_head', 'bbox_head', 0, 'num_classes')``.
    """
    found = {}

    def visit(node, key: SettingKey) -> None:
        if isinstance(node, dict):
            count = node.get('num_classes')
            if isinstance(count, int) and not isinstance(count, bool):
                found[key + ('num_classes', )] = count
            for name, value in node.items():
                if name not in OWN_LABEL_SPACES:
                    visit(value, key + (name, ))
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                visit(value, key + (index, ))

    visit(detector, ())
    return found


def setting_name(key: SettingKey) -> str:
    """``roi_head.bbox_head[0].num_classes`` for a key path."""
    return ''.join(f'[{part}]' if isinstance(part, int) else f'.{part}'
                   for part in key).lstrip('.')


def _option_name(key: SettingKey) -> str:
    """The ``cfg_options`` name of a key path: list indices as numbers."""
    return '.'.join(str(part) for part in key)


def model_entries(cfg: Config) -> List[Tuple[str, dict]]:
    """The detectors ``cfg.model`` builds whose classes follow the data, each
    with its key: ``model``, or a distillation algorithm's
    ``model.architecture`` and ``model.teacher``; less those the config
    names in ``keep_num_classes``.

    Raises:
        ConfigCheckError: ``keep_num_classes`` names no such model.
    """
    model = cfg.get('model') or {}
    if 'architecture' not in model:
        entries = [('model', model)]
    else:
        entries = [('model.architecture', model['architecture'])]
        if isinstance(model.get('teacher'), dict):
            entries.append(('model.teacher', model['teacher']))
    kept = cfg.get(KEEP_KEY) or []
    unknown = [key for key in kept if key not in dict(entries)]
    if isinstance(kept, str) or unknown:
        raise ConfigCheckError(
            KEEP_KEY, f'{KEEP_KEY} must list models of this config, of '
            f'{[key for key, _ in entries]}; got {kept!r}')
    return [(key, node) for key, node in entries if key not in kept]


def entry_config(node: dict) -> Optional[str]:
    """The config file a model entry builds from: the ``config`` of a
    ``DetectorFromConfig``, MMRazor's ``cfg_path``; ``None`` when the entry
    is the model dict itself."""
    if str(node.get('type', '')).rpartition('.')[2] == 'DetectorFromConfig':
        return node.get('config')
    if node.get('cfg_path') and not node.get('type'):
        return node['cfg_path']
    return None


def entry_model(node: dict) -> dict:
    """The detector ``model`` dict a model entry stands for: the entry
    itself, or the ``model`` of the config it builds from (see
    :func:`entry_config`) with the entry's ``cfg_options`` merged.

    Args:
        node (dict): A model entry, as :func:`model_entries` gives it.

    Returns:
        dict: The detector's ``model`` dict.
    """
    config = entry_config(node)
    if config is None:
        return node
    return load_model_config(config, node.get('cfg_options')).model


def _load_entry_model(where: str, node: dict) -> dict:
    key = f'{where}.{"cfg_path" if "cfg_path" in node else "config"}'
    try:
        return entry_model(node)
    except Exception as error:  # the loader's own message says what it is
        reason = ' '.join(str(error).split())
        raise ConfigCheckError(
            key, f'{key}: cannot load {entry_config(node)} to set its '
            f'num_classes ({type(error).__name__}: {reason})') from None


def _as_detector_from_config(where: str, node: dict) -> dict:
    """MMRazor's ``cfg_path`` entry as a ``DetectorFromConfig``, which takes
    ``cfg_options``."""
    if node.get('pretrained'):
        weights = ('model.teacher_ckpt'
                   if where == 'model.teacher' else 'load_from')
        raise ConfigCheckError(
            f'{where}.pretrained', f'{where}.pretrained=True loads the '
            f'model-zoo weights of {node["cfg_path"]}, made for its own '
            'classes; set '
            f'pretrained=False and give weights trained on these classes '
            f'({weights})')
    extra = sorted(set(node) - {'cfg_path', 'pretrained'})
    if extra:
        raise ConfigCheckError(
            f'{where}.{extra[0]}', f'{where}.{extra[0]}: a cfg_path model '
            'with build arguments cannot get num_classes from the dataset; '
            "write it as dict(type='DetectorFromConfig', config=..., "
            'cfg_options=...)')
    return dict(type='DetectorFromConfig', config=node['cfg_path'])


def _match_entry(where: str, node: dict,
                 num_classes: int) -> Tuple[dict, List[str]]:
    """The entry with ``num_classes`` set, and what changed."""
    config = entry_config(node)
    if config is None:
        changes = []
        for key, count in class_count_keys(node).items():
            if count != num_classes:
                _set(node, key, num_classes)
                changes.append(f'{where}.{setting_name(key[:-1])} '
                               f'(was {count})')
        return node, changes
    counts = class_count_keys(_load_entry_model(where, node))
    changed = {
        key: count
        for key, count in counts.items() if count != num_classes
    }
    if not changed:
        return node, []
    how = 'its cfg_options'
    if 'cfg_path' in node:
        node = _as_detector_from_config(where, node)
        how = 'cfg_options, as a DetectorFromConfig'
    node['cfg_options'] = dict(
        node.get('cfg_options') or {},
        **{f'model.{_option_name(key)}': num_classes
           for key in changed})
    names = ', '.join(f'model.{setting_name(key[:-1])} (was {count})'
                      for key, count in changed.items())
    if '::' not in config:
        config = osp.normpath(config)
    return node, [f'{where}: {names} of {config}, in {how}']


def _set(node: dict, key: SettingKey, value: int) -> None:
    for part in key[:-1]:
        node = node[part]
    node[key[-1]] = value


def match_num_classes(cfg: Config, mode: str = 'train') -> List[str]:
    """Set every ``num_classes`` of the models to the number of classes
    the dataset states in ``metainfo.classes``.

    A config without ``metainfo.classes`` (e.g. mmdet's COCO configs, whose
    dataset type brings its classes) is left as it is, and so are the
    models listed in ``keep_num_classes`` (e.g. ``['model.teacher']``: a
    COCO teacher whose FPN features a student of other classes distils;
    the data check then leaves its classes alone). Heads of their own
    label space (:data:`OWN_LABEL_SPACES`) keep theirs. A
    ``DetectorFromConfig`` teacher (or architecture) gets the settings in
    its ``cfg_options``; an MMRazor ``cfg_path`` one becomes a
    ``DetectorFromConfig`` of the same config.

    Args:
        cfg (Config): The merged config; changed in place.
        mode (str): ``train`` follows ``train_dataloader``, ``test``
            ``test_dataloader``.

    Returns:
        list[str]: One line naming the settings changed; empty when none
        changed.

    Raises:
        ConfigCheckError: The classes are malformed, a model's config does
            not load, or a ``cfg_path`` model cannot be rewritten.
    """
    stated = dataset_classes(cfg, mode)
    if stated is None or not cfg.get('model'):
        return []
    classes, where_stated = stated
    changes = []
    for where, node in model_entries(cfg):
        matched, changed = _match_entry(where, node, len(classes))
        if matched is not node and where == 'model':
            cfg.model = matched
        elif matched is not node:
            cfg.model[where.rpartition('.')[2]] = matched
        changes += changed
    if not changes:
        return []
    return [
        f'num_classes={len(classes)} from {where_stated}: '
        f'{", ".join(changes)}'
    ]


__all__ = [
    'KEEP_KEY', 'OWN_LABEL_SPACES', 'class_count_keys', 'dataset_classes',
    'entry_config', 'entry_model', 'match_num_classes', 'model_entries',
    'setting_name'
]
