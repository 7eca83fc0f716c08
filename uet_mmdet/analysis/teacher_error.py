# Copyright (c) uet_mmdet authors. All rights reserved.
"""The teacher's own error per location of each FPN level.

The error is measured against the clean ground truth, with the targets the
detector itself would train on: the head's anchors (``get_anchors``) and its
``train_cfg`` assigner and sampler (``get_targets``). It is what an
uncertainty map should predict: high uncertainty where the teacher is wrong.
"""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmdet.models.dense_heads import AnchorHead
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor
from torch import Tensor

from uet_mmdet.errors import UserInputError

_SUPPORTED = ('mmdet AnchorHead subclasses with sigmoid classification '
              '(loss_cls use_sigmoid=True) that keep AnchorHead.get_targets '
              'and AnchorHead._get_targets_single, e.g. RetinaHead or RPNHead')


def _check_head(head) -> None:
    name = type(head).__name__
    if not isinstance(head, AnchorHead):
        raise UserInputError(
            f'anchor_head_errors got a {name}; it supports {_SUPPORTED}')
    if not getattr(head, 'use_sigmoid_cls', False):
        raise UserInputError(
            f'anchor_head_errors got a {name} with softmax classification; '
            f'it supports {_SUPPORTED}')
    for method in ('get_targets', '_get_targets_single'):
        if getattr(type(head), method) is not getattr(AnchorHead, method):
            raise UserInputError(
                f'anchor_head_errors got a {name}, which overrides '
                f'{method}; it supports {_SUPPORTED}')
    if not head.train_cfg or getattr(head, 'assigner', None) is None:
        raise UserInputError(
            f'anchor_head_errors needs the {name} built with a train_cfg '
            'holding an assigner (build the detector from a config whose '
            'model.train_cfg is set)')


def anchor_head_errors(
    head: AnchorHead,
    cls_scores: Sequence[Tensor],
    bbox_preds: Sequence[Tensor],
    batch_gt_instances: Sequence,
    batch_img_metas: Sequence[dict],
    batch_gt_instances_ignore: Optional[Sequence] = None,
) -> List[Dict[str, Tensor]]:
    """Per-location classification and box error of an anchor head.

    Targets come from ``head.get_anchors`` and ``head.get_targets`` (the
    head's ``train_cfg`` assigner and sampler, ``unmap_outputs=True``), as in
    the head's own loss. Anchor ``a`` of location ``(h, w)`` on a level of
    width ``W`` with ``A`` anchors per location is anchor
    ``(h * W + w) * A + a`` of that level, and its ``C`` logits are channels
    ``a * C .. a * C + C - 1`` of ``cls_scores[l][:, :, h, w]`` (the layout
    of ``AnchorHead.loss_by_feat_single``).

    Errors (per image, level and location):

    - ``cls``: for each anchor, the binary cross-entropy of
      ``sigmoid(logit)`` against the one-hot target, summed over the ``C``
      classes: ``sum_c -[t_c log p_c + (1 - t_c) log(1 - p_c)]`` with
      ``t`` one-hot at the assigned label for a positive anchor and all zeros
      for a background anchor (natural log, no focal term, no weights).
      The location's error is the plain mean over its anchors whose label
      weight is > 0; anchors with label weight 0 (between the assigner's
      negative and positive IoU thresholds, outside the image when
      ``allowed_border`` excludes them, or not sampled) are left out, and a
      location whose anchors are all left out is NaN.
    - ``box``: for each positive anchor, ``1 - IoU`` between the box
      ``head.bbox_coder.decode(anchor, bbox_pred)`` (no clipping to the
      image) and the ground-truth box the assigner matched to the anchor.
      The location's error is the mean over its positive anchors, NaN where
      it has none. It lies in [0, 1].
    - ``label``: the class the assigner gives the location's positive
      anchors (the largest when they differ), -1 where it has none; it
      selects the locations of one class, e.g. the class a teacher was
      taught wrongly.

    Runs under ``torch.no_grad()``; computations are in float32 on the
    device of ``cls_scores``.

    Args:
        head (AnchorHead): The detector's head, built with its ``train_cfg``.
        cls_scores (Sequence[Tensor]): Per level, (N, A * C, H, W) logits.
        bbox_preds (Sequence[Tensor]): Per level, (N, A * 4, H, W) box
            deltas (the head's own encoding).
        batch_gt_instances (Sequence[InstanceData]): Per image, ground truth
            with ``bboxes`` (x1, y1, x2, y2 in the input image) and
            ``labels``.
        batch_img_metas (Sequence[dict]): Per image, at least ``img_shape``
            and ``pad_shape`` (as in ``DetDataSample.metainfo``).
        batch_gt_instances_ignore (Sequence[InstanceData], optional): Boxes
            the assigner ignores (e.g. crowd), per image.

    Returns:
        list[dict]: Per level, ``cls`` and ``box``, each an (N, H, W) float
        tensor, and ``label``, an (N, H, W) long tensor.

    Raises:
        UserInputError: A head it does not support (see above), or
            outputs for another number of levels than the head has.
        ValueError: Inputs that do not fit each other (image count,
            output shapes).
    """
    _check_head(head)
    num_levels = head.prior_generator.num_levels
    if len(cls_scores) != num_levels or len(bbox_preds) != num_levels:
        raise UserInputError(
            f'anchor_head_errors: the head has {num_levels} levels but got '
            f'{len(cls_scores)} cls_scores and {len(bbox_preds)} bbox_preds')
    num_imgs = len(batch_img_metas)
    if len(batch_gt_instances) != num_imgs:
        raise ValueError(f'anchor_head_errors: {len(batch_gt_instances)} '
                         f'gt instances for {num_imgs} images')
    num_anchors = head.num_base_priors
    num_classes = head.cls_out_channels
    box_dim = getattr(head.bbox_coder, 'encode_size', 4)
    for level, (score, pred) in enumerate(zip(cls_scores, bbox_preds)):
        expected = (num_imgs, num_anchors * num_classes)
        if tuple(score.shape[:2]) != expected or score.dim() != 4:
            raise ValueError(f'anchor_head_errors: cls_scores[{level}] has '
                             f'shape {tuple(score.shape)}, expected '
                             f'{expected} + (H, W)')
        expected_box = (num_imgs, num_anchors * box_dim) + tuple(
            score.shape[2:])
        if tuple(pred.shape) != expected_box:
            raise ValueError(f'anchor_head_errors: bbox_preds[{level}] has '
                             f'shape {tuple(pred.shape)}, expected '
                             f'{expected_box}')
    with torch.no_grad():
        return _errors(head, cls_scores, bbox_preds, batch_gt_instances,
                       batch_img_metas, batch_gt_instances_ignore)


def _errors(head, cls_scores, bbox_preds, batch_gt_instances, batch_img_metas,
            batch_gt_instances_ignore):
    device = cls_scores[0].device
    num_imgs = len(batch_img_metas)
    num_anchors = head.num_base_priors
    num_classes = head.cls_out_channels
    box_dim = getattr(head.bbox_coder, 'encode_size', 4)
    featmap_sizes = [tuple(score.shape[-2:]) for score in cls_scores]
    anchor_list, valid_flag_list = head.get_anchors(
        featmap_sizes, list(batch_img_metas), device=device)
    targets = head.get_targets(
        anchor_list,
        valid_flag_list,
        list(batch_gt_instances),
        list(batch_img_metas),
        batch_gt_instances_ignore=batch_gt_instances_ignore,
        unmap_outputs=True,
        return_sampling_results=True)
    # per level: labels (N, HWA), label weights (N, HWA); then sampling
    # results per image
    labels_list, label_weights_list = targets[0], targets[1]
    sampling_results = targets[5]

    # box error per anchor, (N, total anchors of all levels), NaN = not pos
    flat_labels = torch.cat(labels_list, dim=1)
    positive = (flat_labels >= 0) & (flat_labels < num_classes)
    flat_preds = torch.cat([
        pred.permute(0, 2, 3, 1).reshape(num_imgs, -1, box_dim).float()
        for pred in bbox_preds
    ],
                           dim=1)
    box_error = flat_preds.new_full(flat_labels.shape, float('nan'))
    for img in range(num_imgs):
        anchors = get_box_tensor(torch.cat(anchor_list[img], dim=0)).float()
        # positives in ascending anchor index; sampling_result.pos_inds are
        # ascending in the same order (they index the anchors inside the
        # image, an order-preserving subset), so rows correspond
        pos_index = positive[img].nonzero(as_tuple=False).squeeze(1)
        result = sampling_results[img]
        pos_anchors = anchors[pos_index]
        if (pos_index.numel() != result.pos_inds.numel()
                or not torch.equal(pos_anchors,
                                   get_box_tensor(result.pos_priors).float())):
            raise RuntimeError(
                f'anchor_head_errors: the positive anchors in the targets of '
                f'image {img} do not match the sampling result of '
                f'{type(head).__name__}; its get_targets layout is not '
                f'AnchorHead\'s')
        if pos_index.numel() == 0:
            continue
        decoded = get_box_tensor(
            head.bbox_coder.decode(pos_anchors, flat_preds[img, pos_index]))
        gt_boxes = get_box_tensor(result.pos_gt_bboxes).float()
        iou = bbox_overlaps(decoded.float(), gt_boxes, is_aligned=True)
        box_error[img, pos_index] = 1 - iou
    box_errors = box_error.split([labels.shape[1] for labels in labels_list],
                                 dim=1)

    errors = []
    for level, (height, width) in enumerate(featmap_sizes):
        shape = (num_imgs, height, width, num_anchors)
        logits = cls_scores[level].float().permute(
            0, 2, 3, 1).reshape(shape + (num_classes, ))
        labels = labels_list[level].reshape(shape)
        # background (label == num_classes) -> all-zero target
        onehot = F.one_hot(labels.clamp(0, num_classes),
                           num_classes + 1)[..., :num_classes]
        bce = F.binary_cross_entropy_with_logits(
            logits, onehot.float(), reduction='none').sum(dim=-1)
        counted = label_weights_list[level].reshape(shape) > 0
        cls_error = torch.where(counted, bce, torch.zeros_like(bce)).sum(
            dim=-1) / counted.sum(dim=-1)  # 0 / 0 -> NaN

        level_box = box_errors[level].reshape(shape)
        is_pos = ~torch.isnan(level_box)
        box_sum = torch.where(is_pos, level_box,
                              torch.zeros_like(level_box)).sum(dim=-1)
        box_mean = box_sum / is_pos.sum(dim=-1)  # 0 / 0 -> NaN
        positive_labels = torch.where((labels >= 0) & (labels < num_classes),
                                      labels, torch.full_like(labels, -1))
        errors.append(
            dict(
                cls=cls_error,
                box=box_mean,
                label=positive_labels.amax(dim=-1)))
    return errors
