# Copyright (c) uet_mmdet authors. All rights reserved.
"""Refuse a teacher checkpoint that does not fit the teacher, before the
Runner loads it with a size-mismatch warning and a half-loaded teacher."""
import copy
import os.path as osp
import re
from typing import Dict, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn

from .config_paths import ConfigCheckError, is_local
from .setup_env import register_all_modules

_KEY = 'model.teacher_ckpt'
_WHAT = f'teacher checkpoint ({_KEY})'


def _saved_tensors(path: str) -> Dict[str, torch.Tensor]:
    """The checkpoint's state dict, keys as mmengine loads them."""
    from uet_mmdet.compat.checkpoint import load_from_local_weights_only
    try:
        checkpoint = torch.load(
            path, map_location='cpu', weights_only=True, mmap=True)
    except Exception:  # a legacy (not zip) file does not map; load it whole
        try:
            checkpoint = load_from_local_weights_only(path, 'cpu')
        except Exception as error:  # its own message says why
            reason = ' '.join(str(error).split())
            raise ConfigCheckError(
                _KEY, f'{_WHAT} {path} does not load: '
                f'{type(error).__name__}: {reason}') from None
    if not isinstance(checkpoint, dict):
        raise ConfigCheckError(
            _KEY, f'{_WHAT} {path} holds a {type(checkpoint).__name__}, not '
            'a state dict')
    state = checkpoint.get('state_dict', checkpoint)
    return {
        re.sub(r'^module\.', '', key): value
        for key, value in state.items() if isinstance(value, torch.Tensor)
    }


def _build_teacher(cfg: Config) -> Optional[nn.Module]:
    """``model.teacher`` built as the distillation algorithm builds it,
    with random weights; ``None`` when it does not build (the Runner
    reports why)."""
    from mmrazor.registry import MODELS
    register_all_modules(init_default_scope=False)
    teacher = copy.deepcopy(cfg.model.teacher)
    if 'cfg_path' in teacher:
        teacher['pretrained'] = False
    scope = cfg.model.get('_scope_') or cfg.get('default_scope', 'mmdet')
    try:
        with DefaultScope.overwrite_default_scope(scope):
            return MODELS.build(teacher)
    except Exception:  # a config error the Runner reports in its context
        return None


def _owning_head(teacher: nn.Module, name: str) -> Optional[nn.Module]:
    """The nearest module above tensor ``name`` that has ``num_classes``."""
    path = name.rpartition('.')[0]
    while True:
        module = teacher.get_submodule(path)
        if isinstance(getattr(module, 'num_classes', None), int):
            return module
        if not path:
            return None
        path = path.rpartition('.')[0]


def _trained_classes(head: nn.Module, model_rows: int,
                     saved_rows: int) -> Optional[Tuple[int, int, int]]:
    """How a classifier's saved rows read: ``(classes, rows per class,
    extra classes such as background)``, when exactly one reading fits."""
    num_classes = head.num_classes
    if hasattr(head, 'cls_out_channels'):
        extras = [head.cls_out_channels - num_classes]
    else:  # an RoI head: sigmoid (none) or softmax (background) scores
        extras = [0, 1]
    readings = set()
    for extra in extras:
        if model_rows % (num_classes + extra):
            continue
        per_class = model_rows // (num_classes + extra)
        if saved_rows % per_class == 0 and saved_rows // per_class > extra:
            readings.add((saved_rows // per_class - extra, per_class, extra))
    return readings.pop() if len(readings) == 1 else None


def _mismatch(path: str, teacher: nn.Module, name: str, saved: torch.Size,
              built: torch.Size) -> str:
    head = _owning_head(teacher, name)
    reading = None
    if head is not None and 'cls' in name and len(saved) == len(built):
        reading = _trained_classes(head, built[0], saved[0])
    if reading is None or reading[0] == head.num_classes:
        cause = ('num_classes differs?'
                 if head is not None else 'another architecture?')
        return (f'{_WHAT} {path} does not fit model.teacher: {name} is '
                f'{list(saved)} there, {list(built)} in the model ({cause})')
    classes, per_class, extra = reading
    how = f' for {per_class} anchors' if per_class > 1 else ''
    how += ', background included' if extra else ''
    return (f'{_WHAT} {path} was trained with {classes} classes ({name} '
            f'has {saved[0]} rows{how}) but model.teacher has '
            f'{head.num_classes}; give a teacher trained on these classes')


def check_teacher_checkpoint(cfg: Config) -> None:
    """Every tensor of ``model.teacher_ckpt`` that the teacher has must
    have the teacher's shape (e.g. the classifier of as many classes).

    Runs only when ``model.teacher_ckpt`` is a local file that exists
    (:func:`check_checkpoints` reports a missing one) and the teacher is a
    config (``model.teacher`` a dict).

    Args:
        cfg (Config): The merged config, ``num_classes`` already matched.

    Raises:
        ConfigCheckError: The first tensor of another shape, named with
            both shapes and the class count it was trained with when that
            can be read off.
    """
    model = cfg.get('model') or {}
    path = model.get('teacher_ckpt')
    if (not path or not isinstance(model.get('teacher'), dict)
            or not is_local(path) or not osp.isfile(osp.expanduser(path))):
        return
    saved = _saved_tensors(osp.expanduser(path))
    teacher = _build_teacher(cfg)
    if teacher is None:
        return
    for name, tensor in teacher.state_dict().items():
        if name in saved and saved[name].shape != tensor.shape:
            raise ConfigCheckError(
                _KEY,
                _mismatch(path, teacher, name, saved[name].shape,
                          tensor.shape))


__all__ = ['check_teacher_checkpoint']
