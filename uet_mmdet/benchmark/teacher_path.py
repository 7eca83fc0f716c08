# Copyright (c) uet_mmdet authors. All rights reserved.
"""Point a distillation config at another teacher checkpoint everywhere it
reads the teacher, not only at ``model.teacher_ckpt``."""
from typing import Any, Optional

from mmengine.config import Config

from uet_mmdet.errors import ConfigError


def _replaced(node: Any, old: str, new: str) -> Any:
    """``node`` with every string equal to ``old`` replaced, in place for
    dicts and lists."""
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = _replaced(value, old, new)
        return node
    if isinstance(node, list):
        node[:] = [_replaced(value, old, new) for value in node]
        return node
    if isinstance(node, tuple):
        return type(node)(_replaced(value, old, new) for value in node)
    return new if node == old else node


def use_teacher_checkpoint(cfg: Config,
                           path: str,
                           old: Optional[str] = None) -> Config:
    """Make ``cfg`` read the teacher from ``path``.

    ``model.teacher_ckpt`` and every other value equal to the old teacher
    checkpoint (e.g. a student neck or head whose ``init_cfg`` starts from
    the teacher) become ``path``.

    Args:
        cfg (Config): A merged config; changed in place.
        path (str): The teacher checkpoint to read.
        old (str, optional): The path to replace; ``model.teacher_ckpt`` by
            default (give it when an override has already changed that key).

    Returns:
        Config: ``cfg``.

    Raises:
        ConfigError: ``cfg`` has no ``model``.
    """
    model = cfg.get('model')
    if not isinstance(model, dict):
        raise ConfigError(
            'model', 'the config has no model to read a '
            'teacher checkpoint')
    old = old or model.get('teacher_ckpt')
    if old and old != path:
        for key, value in cfg.items():
            cfg[key] = _replaced(value, old, path)
    cfg.model.teacher_ckpt = path
    return cfg


__all__ = ['use_teacher_checkpoint']
