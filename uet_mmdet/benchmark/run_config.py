# Copyright (c) uet_mmdet authors. All rights reserved.
"""The config a benchmark run trains with: its config, the spec's
overrides, and the teacher checkpoint the benchmark produced."""
from typing import Optional

from mmengine.config import Config

from .spec import Run
from .teacher_path import use_teacher_checkpoint


def compose_run_config(run: Run, teacher_ckpt: Optional[str] = None) -> Config:
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
    if run.distill and teacher_ckpt:
        use_teacher_checkpoint(cfg, teacher_ckpt)
    return cfg


__all__ = ['compose_run_config']
