# Copyright (c) uet_mmdet authors. All rights reserved.
"""Foreground/background masks of FGD from ground-truth boxes."""
from typing import Sequence, Tuple

import torch
from torch import Tensor


def boxes_to_cells(boxes: Tensor, image_hw: Tuple[float, float],
                   feature_hw: Tuple[int, int]) -> Tensor:
    """Scale ``x1, y1, x2, y2`` pixel boxes to inclusive feature-cell ranges.

    ``x1, y1`` are rounded down and ``x2, y2`` up, as in FGD.

    Args:
        boxes (Tensor): (K, 4) boxes in pixels of an image of ``image_hw``.
        image_hw (tuple): Height and width the feature map spans.
        feature_hw (tuple): Height and width of the feature map.

    Returns:
        Tensor: (K, 4) long tensor ``x1, y1, x2, y2`` of cell indices, not
        clipped to the map (the cell count of a box uses these values).
    """
    scale = boxes.new_tensor([
        feature_hw[1] / image_hw[1], feature_hw[0] / image_hw[0],
        feature_hw[1] / image_hw[1], feature_hw[0] / image_hw[0]
    ])
    scaled = boxes * scale
    return torch.cat([scaled[:, :2].floor(), scaled[:, 2:].ceil()],
                     dim=1).long()


def foreground_mask(boxes: Tensor, image_hw: Tuple[float, float],
                    feature_hw: Tuple[int, int]) -> Tensor:
    """FGD's foreground mask of one image.

    Every cell covered by a box gets ``1 / (cells of the box)``; where
    boxes overlap the larger value (the smaller box) wins.

    Returns:
        Tensor: (H, W) mask.
    """
    height, width = feature_hw
    mask = boxes.new_zeros(height, width)
    for x1, y1, x2, y2 in boxes_to_cells(boxes, image_hw, feature_hw).tolist():
        value = 1.0 / ((y2 - y1 + 1) * (x2 - x1 + 1))
        y_lo, x_lo = max(y1, 0), max(x1, 0)
        region = mask[y_lo:y2 + 1, x_lo:x2 + 1]
        region.clamp_(min=value)
    return mask


def background_mask(fg_mask: Tensor) -> Tensor:
    """1 where the foreground is 0, divided by its sum (kept if the sum is 0).

    Args:
        fg_mask (Tensor): (N, H, W) foreground masks.

    Returns:
        Tensor: (N, H, W) background masks.
    """
    bg_mask = (fg_mask <= 0).to(fg_mask.dtype)
    totals = bg_mask.sum(dim=(1, 2), keepdim=True)
    return torch.where(totals > 0, bg_mask / totals.clamp(min=1), bg_mask)


def fgd_masks(gt_boxes: Sequence[Tensor], image_hws: Sequence[Tuple[float,
                                                                    float]],
              feature_hw: Tuple[int, int]) -> Tuple[Tensor, Tensor]:
    """Foreground and background masks of a batch.

    Args:
        gt_boxes (Sequence[Tensor]): Per image (K_i, 4) boxes in pixels.
        image_hws (Sequence[tuple]): Per image, the height and width in pixels
            that the feature map spans.
        feature_hw (tuple): Height and width of the feature map.

    Returns:
        tuple[Tensor, Tensor]: (N, H, W) foreground and background masks.
    """
    fg = torch.stack([
        foreground_mask(boxes, image_hw, feature_hw)
        for boxes, image_hw in zip(gt_boxes, image_hws)
    ])
    return fg, background_mask(fg)


__all__ = ['boxes_to_cells', 'foreground_mask', 'background_mask', 'fgd_masks']
