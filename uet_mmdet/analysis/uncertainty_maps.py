# Copyright (c) uet_mmdet authors. All rights reserved.
"""The teacher's uncertainty maps of a UET config, one dataset image at a
time, as the distiller's own estimator gives them."""
import contextlib
import dataclasses
import sys
from typing import Dict, Iterable, List, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from torch import Tensor, nn

from uet_mmdet.errors import ConfigError, UserInputError
from uet_mmdet.models.losses import UETLoss
from uet_mmdet.uncertainty import rank_correlation
from .teacher_model import build_with_teacher
from .uncertainty_calibration import boxes_follow_image

RecordKey = Tuple[str, int]
MAP_KINDS = ('uncertainty', 'confidence')


@dataclasses.dataclass
class ImageMaps:
    """The maps of one image.

    Args:
        image (Tensor): (h, w, 3) RGB image in [0, 1], unpadded.
        sample (DetDataSample): Its data sample after the data preprocessor
            (``gt_instances``, ``img_path``, ``batch_input_shape``).
        maps (dict[str, Tensor]): (H_l, W_l) map per distilled teacher
            record, named by :func:`record_names`.
        energy_correlations (dict[str, float]): Per record with at least 4
            locations, the Spearman rank correlation of its uncertainty
            with the teacher tensor's energy ``mean_c F_T**2``.
    """

    image: Tensor
    sample: object
    maps: Dict[str, Tensor]
    energy_correlations: Dict[str, float]


def load_uet_model(cfg: Config, checkpoint: str) -> nn.Module:
    """Build a host+UET distillation model and load its teacher's weights.

    Args:
        cfg (Config): A checked distillation config with UET enabled.
        checkpoint (str): Teacher checkpoint, loaded on the CPU (strict).

    Returns:
        nn.Module: The ``SingleTeacherDistill`` model, in eval mode.

    Raises:
        UserInputError: The checkpoint is missing or does not fit.
        ConfigError: Not a distillation config, UET off or no wrapped loss.
    """
    if 'teacher' not in cfg.model or 'distiller' not in cfg.model:
        raise ConfigError(
            'model', 'not a distillation config (it has no '
            'teacher and distiller)')
    model = build_with_teacher(cfg, checkpoint)
    settings = getattr(model.distiller, 'uet', None)
    if settings is None or not settings.enabled:
        raise ConfigError('model.distiller.uet', 'UET is not enabled',
                          'add a uet block whose mode is not "off"')
    if not uet_loss_records(model.distiller):
        raise ConfigError('model.distiller.uet.losses',
                          'no distill loss is wrapped for UET')
    return model


def uet_loss_records(distiller: nn.Module) -> Dict[str, RecordKey]:
    """The ``(recorder, record_idx)`` each UET-wrapped loss distils.

    Args:
        distiller (nn.Module): A ``UETDistiller``.

    Returns:
        dict[str, tuple]: Per wrapped loss name, in loss order.
    """
    records = {}
    for name, mappings in distiller.loss_forward_mappings.items():
        loss = distiller.distill_losses[name]
        if isinstance(loss, UETLoss):
            record = mappings[loss.teacher_arg]
            records[name] = (record['recorder'], record.get('record_idx', 0))
    return records


def record_names(records: Iterable[RecordKey]) -> Dict[RecordKey, str]:
    """A name per distinct record: the recorder, ``recorder[idx]`` when the
    recorder gives several records.

    Args:
        records (Iterable[tuple]): ``(recorder, record_idx)`` pairs.

    Returns:
        dict[tuple, str]: Per distinct record, in first-seen order.
    """
    distinct = list(dict.fromkeys(records))
    names = {}
    for recorder, record_idx in distinct:
        several = sum(key[0] == recorder for key in distinct) > 1
        names[(recorder, record_idx)] = (f'{recorder}[{record_idx}]'
                                         if several else recorder)
    return names


def build_split_dataset(cfg: Config, split: str):
    """The dataset of ``<split>_dataloader``, boxes in resized coordinates.

    Args:
        cfg (Config): The config.
        split (str): ``'train'`` or ``'val'``.

    Returns:
        BaseDataset: The dataset, built in mmdet's scope.
    """
    from mmdet.registry import DATASETS

    dataset_cfg = cfg[f'{split}_dataloader']['dataset'].to_dict()
    # pycocotools prints progress; stdout is for the tools' results
    with DefaultScope.overwrite_default_scope('mmdet'), \
            contextlib.redirect_stdout(sys.stderr):
        return DATASETS.build(boxes_follow_image(dataset_cfg))


def display_image(inputs: Tensor) -> Tensor:
    """A dataset item's image as (h, w, 3) RGB in [0, 1].

    The pipeline's images are BGR, as mmcv loads them; reading the item
    rather than the preprocessed batch needs no normalisation undone.

    Args:
        inputs (Tensor): (3, h, w) BGR image of a dataset item, 0-255.

    Returns:
        Tensor: (h, w, 3) float RGB image in [0, 1].
    """
    return (inputs.flip(0).float() / 255).clamp(0, 1).permute(1, 2, 0)


@torch.no_grad()
def image_maps(model: nn.Module,
               item: dict,
               which: str = 'uncertainty',
               seed: int = 0) -> ImageMaps:
    """Run the teacher on one dataset item and estimate each distilled
    record's map with the distiller's estimator.

    Args:
        model (nn.Module): The distillation model (:func:`load_uet_model`).
        item (dict): One dataset item (``inputs``, ``data_samples``).
        which (str): ``'uncertainty'`` or ``'confidence'``.
        seed (int): Seed of the dropout masks, restarted for this image.

    Returns:
        ImageMaps: The image, its sample and the maps of its first (only)
        batch element.
    """
    if which not in MAP_KINDS:
        raise UserInputError(f'map must be one of {MAP_KINDS}, got {which!r}')
    distiller, teacher = model.distiller, model.teacher
    data = teacher.data_preprocessor(pseudo_collate([item]), False)
    # as in training: mode='tensor' calls bbox_head.forward directly, which
    # module hooks (the recorders of a head) never see
    with distiller.teacher_recorders:
        teacher(data['inputs'], data['data_samples'], mode='loss')
    estimates = distiller.uet_estimates(seed)
    records = uet_loss_records(distiller)
    names = record_names(records.values())
    maps, correlations = {}, {}
    for loss, key in records.items():
        name = names[key]
        if name in maps:
            continue
        estimate = estimates[loss]
        maps[name] = getattr(estimate, which)[0].float()
        uncertainty = estimate.uncertainty[0]
        if uncertainty.numel() >= 4:  # fewer have no meaningful ranking
            feature = distiller.get_record(key[0], False, key[1])[0]
            correlations[name] = rank_correlation(
                uncertainty,
                feature.float().pow(2).mean(0))
    return ImageMaps(
        display_image(item['inputs']), data['data_samples'][0], maps,
        correlations)


def mean_correlations(
        per_image: Sequence[Dict[str, float]]) -> Dict[str, Tuple[float, int]]:
    """Average per-image correlations by record.

    Args:
        per_image (Sequence[dict]): ``ImageMaps.energy_correlations`` of
            each image.

    Returns:
        dict[str, tuple]: Per record, the mean and the number of images
        that had a value, in first-seen order.
    """
    values: Dict[str, List[float]] = {}
    for correlations in per_image:
        for name, value in correlations.items():
            values.setdefault(name, []).append(value)
    return {
        name: (sum(found) / len(found), len(found))
        for name, found in values.items()
    }


__all__ = [
    'ImageMaps', 'MAP_KINDS', 'build_split_dataset', 'display_image',
    'image_maps', 'load_uet_model', 'mean_correlations', 'record_names',
    'uet_loss_records'
]
