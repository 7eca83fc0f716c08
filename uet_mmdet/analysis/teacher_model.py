# Copyright (c) uet_mmdet authors. All rights reserved.
"""The distillation model of a config with its teacher's weights, as the
analysis tools read it."""
import os.path as osp

from mmengine.config import Config
from mmengine.runner import load_checkpoint
from torch import nn

from uet_mmdet.errors import UserInputError
from uet_mmdet.utils import build_model_without_weights


def build_with_teacher(cfg: Config, checkpoint: str) -> nn.Module:
    """Build the config's model and load the teacher's weights (strict, on
    the CPU); nothing else is loaded.

    Args:
        cfg (Config): A distillation config.
        checkpoint (str): The teacher checkpoint.

    Returns:
        nn.Module: The model, in eval mode.

    Raises:
        UserInputError: The checkpoint is missing or does not fit the
            teacher.
    """
    if not osp.isfile(checkpoint):
        raise UserInputError(f'teacher checkpoint not found: {checkpoint}')
    model = build_model_without_weights(cfg)
    try:
        load_checkpoint(
            model.teacher,
            checkpoint,
            map_location='cpu',
            strict=True,
            logger='silent')
    except RuntimeError as error:
        reason = ' '.join(str(error).split())
        raise UserInputError(f'teacher checkpoint {checkpoint} does not fit '
                             f'the teacher: {reason[:300]}') from None
    model.eval()  # mmrazor's train() override returns None, not the model
    return model


__all__ = ['build_with_teacher']
