# Copyright (c) uet_mmdet authors. All rights reserved.
"""Draw the teacher's MC-dropout uncertainty maps of a UET config to PNGs.

    python tools/analysis_tools/visualize_uncertainty.py CONFIG
        [--teacher-ckpt PATH] --out-dir DIR [--num-images 4]
        [--split {val,train}] [--map {uncertainty,confidence}] [--seed 0]
        [--energy-correlation] [--cfg-options key=value ...]

For each of the first ``--num-images`` images of the split, the teacher runs
under the distiller's teacher recorders and the distiller's own estimator
gives the map of every teacher record a UET-wrapped loss distils (e.g. the
five FPN levels). One PNG per image: the image with its ground-truth boxes,
then one panel per level with the map upsampled onto the image and a
colorbar. ``--teacher-ckpt`` defaults to the config's ``model.teacher_ckpt``;
``--seed`` fixes the dropout masks. The written paths are printed.
``--energy-correlation`` also prints, per level, the mean over the images of
the Spearman rank correlation between the uncertainty and the teacher's
feature energy ``mean_c F_T**2`` (1.0: the map only restates |F_T|).

Example, on the demo teacher::

    python tools/analysis_tools/visualize_uncertainty.py \\
        configs/uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py \\
        --teacher-ckpt work_dirs/demo/teacher_r50/epoch_16.pth \\
        --out-dir /tmp/uet_vis --num-images 4
"""
import argparse
import contextlib
import os
import os.path as osp
import sys
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn.functional as F
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from torch import Tensor, nn

import uet_mmdet  # noqa: F401  (registers modules, patches mmrazor first)
from uet_mmdet.analysis.uncertainty_calibration import boxes_follow_image
from uet_mmdet.models.losses import UETLoss
from uet_mmdet.models.uet import UETConfigError
from uet_mmdet.uncertainty import rank_correlation
from uet_mmdet.utils import (build_model_without_weights, exit_with_error,
                             load_tool_config)

RecordKey = Tuple[str, int]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='UET distillation config file')
    parser.add_argument(
        '--teacher-ckpt',
        help='teacher checkpoint (default: the config\'s model.teacher_ckpt)')
    parser.add_argument('--out-dir', required=True, help='where PNGs go')
    parser.add_argument('--num-images', type=int, default=4)
    parser.add_argument('--split', choices=['val', 'train'], default='val')
    parser.add_argument(
        '--map',
        choices=['uncertainty', 'confidence'],
        default='uncertainty',
        help='draw the uncertainty (e.g. MC variance) or its confidence')
    parser.add_argument('--seed', type=int, default=0, help='dropout seed')
    parser.add_argument(
        '--energy-correlation',
        action='store_true',
        help='print the rank correlation of uncertainty and feature energy')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.distiller.uet.p0=0.2')
    return parser.parse_args()


def load_config(args: argparse.Namespace) -> Config:
    """The checked config, its ``model.teacher_ckpt`` set to the one used."""
    if args.num_images < 1:
        exit_with_error(f'--num-images must be >= 1, got {args.num_images}')
    cfg_options = dict(args.cfg_options or {})
    if args.teacher_ckpt is not None:
        if not osp.isfile(args.teacher_ckpt):
            exit_with_error(
                f'teacher checkpoint not found: {args.teacher_ckpt}')
        cfg_options['model.teacher_ckpt'] = args.teacher_ckpt
    # mode='train' checks both the train and the val data
    cfg = load_tool_config(args.config, cfg_options, mode='train')
    if 'teacher' not in cfg.model or 'distiller' not in cfg.model:
        exit_with_error(f'{args.config} is not a distillation config '
                        '(model has no teacher and distiller)')
    if not cfg.model.get('teacher_ckpt'):
        exit_with_error('no teacher checkpoint: pass --teacher-ckpt or set '
                        'model.teacher_ckpt')
    return cfg


def build_model(cfg: Config) -> nn.Module:
    """Build the distillation model and load the teacher checkpoint.

    Args:
        cfg (Config): A checked config with ``model.teacher_ckpt`` set.

    Returns:
        nn.Module: The ``SingleTeacherDistill`` model, in eval mode.
    """
    # load it here, on the CPU; mmrazor would load it to the saved device
    ckpt = cfg.model.teacher_ckpt
    try:
        model = build_model_without_weights(cfg)
    except UETConfigError as error:  # e.g. uet.module is not in the teacher
        exit_with_error(str(error))
    try:
        load_checkpoint(
            model.teacher, ckpt, map_location='cpu', strict=True,
            logger='silent')
    except RuntimeError as error:
        reason = ' '.join(str(error).split())
        exit_with_error(f'teacher checkpoint {ckpt} does not fit the '
                        f'teacher: {reason[:300]}')
    model.eval()  # mmrazor's train() override returns None, not the model
    return model


def uet_records(distiller: nn.Module) -> List[RecordKey]:
    """The teacher records the UET-wrapped losses distil, in loss order."""
    records: List[RecordKey] = []
    for name, mappings in distiller.loss_forward_mappings.items():
        loss = distiller.distill_losses[name]
        if not isinstance(loss, UETLoss):
            continue
        record = mappings[loss.teacher_arg]
        key = (record['recorder'], record.get('record_idx', 0))
        if key not in records:
            records.append(key)
    return records


def build_dataset(cfg: Config, split: str):
    """The dataset of ``<split>_dataloader``, boxes in resized coordinates.
    """
    from mmdet.registry import DATASETS

    dataset_cfg = cfg[f'{split}_dataloader']['dataset'].to_dict()
    # pycocotools prints progress; stdout is for the PNG paths
    with DefaultScope.overwrite_default_scope('mmdet'), \
            contextlib.redirect_stdout(sys.stderr):
        return DATASETS.build(boxes_follow_image(dataset_cfg))


@torch.no_grad()
def estimate_maps(model: nn.Module, item: dict, records: Sequence[RecordKey],
                  which: str) -> Tuple[Tensor, object, Dict[str, Tensor]]:
    """Run the teacher on one dataset item and estimate each record's map.

    Args:
        model (nn.Module): The distillation model.
        item (dict): One dataset item (``inputs``, ``data_samples``).
        records (Sequence[tuple]): ``(recorder, record_idx)`` to estimate.
        which (str): ``uncertainty`` or ``confidence``.

    Returns:
        tuple: The preprocessed (C, H, W) input, its data sample and one
        (H_l, W_l) map per record, named ``recorder`` (``recorder[idx]`` when
        a recorder gives several tensors).
    """
    distiller, teacher = model.distiller, model.teacher
    data = teacher.data_preprocessor(pseudo_collate([item]), False)
    # as in training: mode='tensor' calls bbox_head.forward directly, which
    # module hooks (the recorders of a head) never see
    with distiller.teacher_recorders:
        teacher(data['inputs'], data['data_samples'], mode='loss')
    distiller.estimator.reset()
    maps = {}
    for recorder, record_idx in records:
        estimate = distiller.estimator.estimate(recorder, record_idx)
        several = sum(key[0] == recorder for key in records) > 1
        name = f'{recorder}[{record_idx}]' if several else recorder
        maps[name] = getattr(estimate, which)[0].float()
    return data['inputs'][0], data['data_samples'][0], maps


def energy_correlations(model: nn.Module,
                        records: Sequence[RecordKey]) -> Dict[str, float]:
    """Spearman correlation of the last estimate's uncertainty with the
    teacher tensor's energy ``mean_c F_T**2``, per record (first image);
    records with fewer than 4 locations have no meaningful ranking."""
    correlations = {}
    for recorder, record_idx in records:
        teacher = model.distiller.get_record(recorder, False, record_idx)[0]
        uncertainty = model.distiller.estimator.estimate(
            recorder, record_idx).uncertainty[0]
        if uncertainty.numel() < 4:
            continue
        name = recorder if record_idx == 0 else f'{recorder}[{record_idx}]'
        correlations[name] = rank_correlation(
            uncertainty, teacher.float().pow(2).mean(0))
    return correlations


def display_image(inputs: Tensor, preprocessor: nn.Module,
                  img_shape: Sequence[int]) -> Tensor:
    """Undo normalisation, channel order and padding: (h, w, 3) RGB in
    [0, 1]."""
    image = inputs.float()
    if preprocessor._enable_normalize:
        image = image * preprocessor.std + preprocessor.mean
    if not preprocessor._channel_conversion:
        image = image.flip(0)  # images are loaded as BGR
    height, width = img_shape[:2]
    return (image[:, :height, :width] / 255).clamp(0, 1).permute(1, 2, 0)


def _draw_boxes(axes: Axes, boxes: Tensor, labels: Tensor,
                classes: Sequence[str]) -> None:
    for (x1, y1, x2, y2), label in zip(boxes.tolist(), labels.tolist()):
        axes.add_patch(
            Rectangle((x1, y1),
                      x2 - x1,
                      y2 - y1,
                      fill=False,
                      edgecolor='lime',
                      linewidth=1.2))
        if label < len(classes):
            axes.text(
                x1, y1, classes[label], color='lime', fontsize=7, va='bottom')


def draw(image: Tensor, sample, maps: Dict[str, Tensor],
         classes: Sequence[str], which: str, path: str) -> None:
    """Save one row: the image with GT boxes, then one map per level.

    Args:
        image (Tensor): (h, w, 3) RGB image in [0, 1], unpadded.
        sample (DetDataSample): Its data sample, with ``gt_instances``.
        maps (dict[str, Tensor]): (H_l, W_l) map of each level.
        classes (Sequence[str]): Class names, to label the boxes.
        which (str): What the maps are, for the titles.
        path (str): PNG file to write.
    """
    height, width = image.shape[:2]
    pad_hw = tuple(sample.batch_input_shape)
    boxes = sample.gt_instances.bboxes
    boxes = getattr(boxes, 'tensor', boxes)
    labels = sample.gt_instances.labels
    # a Figure without pyplot renders with Agg whatever the default backend
    figure = Figure(figsize=(3.2 * (len(maps) + 1), 3.4))
    axes = figure.subplots(1, len(maps) + 1, squeeze=False)[0]
    axes[0].imshow(image.numpy())
    axes[0].set_title(f'{osp.basename(sample.img_path)}: {len(boxes)} GT',
                      fontsize=8)
    _draw_boxes(axes[0], boxes, labels, classes)
    for panel, (name, level_map) in zip(axes[1:], maps.items()):
        # the feature grid covers the padded batch input, not just the image
        full = F.interpolate(
            level_map[None, None], size=pad_hw, mode='bilinear',
            align_corners=False)[0, 0, :height, :width]
        panel.imshow(image.numpy())
        overlay = panel.imshow(full.numpy(), cmap='inferno', alpha=0.65)
        figure.colorbar(overlay, ax=panel, fraction=0.046, pad=0.02)
        panel.set_title(
            f'{name} {which} ({level_map.shape[0]}x{level_map.shape[1]})',
            fontsize=8)
        _draw_boxes(panel, boxes, labels, ())
    for panel in axes:
        panel.set_xlim(0, width)
        panel.set_ylim(height, 0)
        panel.axis('off')
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
    model = build_model(cfg)
    if getattr(model.distiller, 'estimator', None) is None:
        exit_with_error(f'{args.config} does not enable UET '
                        '(model.distiller.uet)')
    records = uet_records(model.distiller)
    if not records:
        exit_with_error('no distill loss is wrapped for UET (uet.losses)')
    dataset = build_dataset(cfg, args.split)
    classes = dataset.metainfo.get('classes', ())
    os.makedirs(args.out_dir, exist_ok=True)
    correlations: Dict[str, List[float]] = {}
    for index in range(min(args.num_images, len(dataset))):
        # per image, so each image's masks do not depend on --num-images
        model.distiller.estimator.manual_seed(args.seed)
        inputs, sample, maps = estimate_maps(model, dataset[index], records,
                                             args.map)
        image = display_image(inputs, model.teacher.data_preprocessor,
                              sample.img_shape)
        stem = osp.splitext(osp.basename(sample.img_path))[0]
        path = osp.join(args.out_dir, f'{index:03d}_{stem}_{args.map}.png')
        draw(image, sample, maps, classes, args.map, path)
        print(path, flush=True)
        if args.energy_correlation:
            for name, value in energy_correlations(model, records).items():
                correlations.setdefault(name, []).append(value)
    for name, values in correlations.items():
        mean = sum(values) / len(values)
        print(f'{name}: spearman(uncertainty, mean_c F_T^2) = '
              f'{mean:.2f} over {len(values)} images')


if __name__ == '__main__':
    main()
