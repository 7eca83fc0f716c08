# Copyright (c) uet_mmdet authors. All rights reserved.
"""Prove a config builds and trains one step without data or weights."""
import copy
from typing import Any, Dict, Tuple

import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config, ConfigDict
from mmengine.registry import MODELS, DefaultScope
from mmengine.structures import InstanceData
from torch import nn

from .dataset_classes import match_num_classes
from .setup_env import register_all_modules


def drop_weight_files(node: Any) -> Any:
    """Remove ``Pretrained`` init_cfgs, ``teacher_ckpt`` and what reads it
    (``student_from_teacher``) recursively."""
    if isinstance(node, dict):
        cleaned = {}
        for key, value in node.items():
            if key in ('teacher_ckpt', 'student_from_teacher'):
                continue
            if key == 'init_cfg' and isinstance(
                    value, dict) and value.get('type') == 'Pretrained':
                cleaned[key] = None
                continue
            cleaned[key] = drop_weight_files(value)
        return cleaned
    if isinstance(node, (list, tuple)):
        return type(node)(drop_weight_files(item) for item in node)
    return node


def random_detection_batch(num_classes: int,
                           batch_size: int = 2,
                           image_hw: Tuple[int, int] = (224, 288),
                           seed: int = 0) -> Dict[str, Any]:
    """A batch as mmdet's dataloader gives it: uint8 images, boxes, labels.

    Images differ in size, so the data preprocessor pads them.
    """
    generator = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for index in range(batch_size):
        height, width = image_hw[0] - 32 * index, image_hw[1]
        inputs.append(
            torch.randint(
                0,
                256, (3, height, width),
                generator=generator,
                dtype=torch.uint8))
        corners = torch.rand(3, 2, 2, generator=generator)
        scale = torch.tensor([width, height], dtype=torch.float32)
        low = corners.min(dim=1).values * scale * 0.8
        high = low + 16 + corners.max(dim=1).values * scale * 0.2
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(height, width),
                ori_shape=(height, width),
                pad_shape=(height, width),
                scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=torch.cat([low, high], dim=1),
            labels=torch.randint(0, num_classes, (3, ), generator=generator))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _num_classes(model_cfg: dict) -> int:
    for key in ('architecture', 'bbox_head', 'roi_head'):
        if key in model_cfg:
            return _num_classes(model_cfg[key])
    return int(model_cfg.get('num_classes', 80))


def build_model_without_weights(cfg: Config) -> nn.Module:
    """Build ``cfg.model`` in its default scope, reading no weight file
    (:func:`drop_weight_files`)."""
    register_all_modules(init_default_scope=False)
    model_cfg = ConfigDict(drop_weight_files(cfg.model.to_dict()))
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmdet')):
        return MODELS.build(model_cfg)


def dry_run(cfg: Config) -> Dict[str, float]:
    """Build ``cfg.model`` without weight files and run one training step.

    The models get the ``num_classes`` the tools give them
    (:func:`match_num_classes`, on a copy of ``cfg``).

    Args:
        cfg (Config): A detector or distillation config.

    Returns:
        dict: The logged losses of that step (all finite).

    Raises:
        RuntimeError: a loss is not finite or no parameter got a gradient.
    """
    cfg = copy.deepcopy(cfg)
    match_num_classes(cfg)
    model = build_model_without_weights(cfg)
    model.train()
    data = model.data_preprocessor(
        random_detection_batch(_num_classes(cfg.model)), training=True)
    losses = model(**data, mode='loss')
    total, log_vars = model.parse_losses(losses)
    if not torch.isfinite(total):
        raise RuntimeError(f'non-finite loss in a dry run: {log_vars}')
    total.backward()
    if not any(param.grad is not None and param.grad.abs().sum() > 0
               for param in model.parameters()):
        raise RuntimeError('no parameter received a gradient')
    return {key: float(value) for key, value in log_vars.items()}


__all__ = [
    'build_model_without_weights', 'drop_weight_files', 'dry_run',
    'random_detection_batch'
]
