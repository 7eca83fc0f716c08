# Copyright (c) uet_mmdet authors. All rights reserved.
"""The config a benchmark run trains with: its config, the spec's
overrides, and the teacher checkpoint the benchmark produced."""
from typing import Any, Optional

from mmengine.config import Config

from .spec import Run


def _replace_string(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {key: _replace_string(value, old, new)
                for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(_replace_string(value, old, new) for value in node)
    return new if node == old else node


def compose_run_config(run: Run,
                       teacher_ckpt: Optional[str] = None) -> Config:
    """Merge ``run.overrides`` (files, in order) and ``run.cfg_options``
    into ``run.config``.

    Given ``teacher_ckpt``, a distillation run reads the teacher from it:
    ``model.teacher_ckpt`` and every other reference to the config's own
    teacher checkpoint (e.g. a student neck initialised from the teacher)
    are replaced.
    """
    cfg = Config.fromfile(run.config)
    for path in run.overrides:
        cfg.merge_from_dict(Config.fromfile(path).to_dict())
    cfg.merge_from_dict(run.cfg_options)
    if not (run.distill and teacher_ckpt):
        return cfg
    values = cfg.to_dict()
    old = values['model'].get('teacher_ckpt')
    if old:
        values = _replace_string(values, old, teacher_ckpt)
    values['model']['teacher_ckpt'] = teacher_ckpt
    return Config(values, filename=run.config)


__all__ = ['compose_run_config']
