# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import constant_init, kaiming_init
from mmrazor.registry import MODELS
from torch import Tensor, nn

from uet_mmdet.uncertainty import at_least_float32
from .fgd_masks import fgd_masks

BOX_GEOMETRIES = ('batch_input', 'img_shape')


class GlobalContextBlock(nn.Module):
    """GcBlock of FGD's global loss: attention-pooled context added back.

    Args:
        channels (int): Feature channels.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv_mask = nn.Conv2d(channels, 1, kernel_size=1)
        self.channel_add = nn.Sequential(
            nn.Conv2d(channels, channels // 2, kernel_size=1),
            nn.LayerNorm([channels // 2, 1, 1]), nn.ReLU(inplace=True),
            nn.Conv2d(channels // 2, channels, kernel_size=1))
        kaiming_init(self.conv_mask, mode='fan_in')
        constant_init(self.channel_add[-1], val=0)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` plus its transformed attention-pooled context (one vector
        per image, added at every location).

        Args:
            x (Tensor): (N, C, H, W) features.

        Returns:
            Tensor: (N, C, H, W).
        """
        n, c, h, w = x.shape
        weights = F.softmax(self.conv_mask(x).view(n, 1, h * w), dim=2)
        context = torch.bmm(x.view(n, c, h * w), weights.transpose(1, 2))
        return x + self.channel_add(context.view(n, c, 1, 1))


def spatial_attention(feature: Tensor, temp: float) -> Tensor:
    """``H*W * softmax_hw(mean_c |F| / temp)``, shape (N, H, W)."""
    n, _, h, w = feature.shape
    logits = feature.abs().mean(dim=1).view(n, -1) / temp
    return (h * w * F.softmax(logits, dim=1)).view(n, h, w)


def channel_attention(feature: Tensor, temp: float) -> Tensor:
    """``C * softmax_c(mean_hw |F| / temp)``, shape (N, C)."""
    channels = feature.shape[1]
    logits = feature.abs().mean(dim=(2, 3)) / temp
    return channels * F.softmax(logits, dim=1)


def region_weight(weight: Tensor, mask: Tensor) -> Tensor:
    """``weight`` over its ``mask``-weighted mean in each image.

    ``sum(mask * region_weight) == sum(mask)``: the weight moves loss
    between the region's locations but not into or out of the region. Where
    the image's mask or ``sum(mask * weight)`` is 0 the result is 1.

    Args:
        weight (Tensor): (N, H, W) non-negative weight per location.
        mask (Tensor): (N, H, W) non-negative FGD mask of one region.

    Returns:
        Tensor: (N, H, W) weight of the region.
    """
    total = mask.sum(dim=(1, 2), keepdim=True)
    weighted = (mask * weight).sum(dim=(1, 2), keepdim=True)
    valid = (total > 0) & (weighted > 0)
    mean = torch.where(valid, weighted, 1) / torch.where(valid, total, 1)
    return torch.where(valid, weight / mean, 1)


@MODELS.register_module()
class FGDLoss(nn.Module):
    """Focal and Global Distillation (Yang et al., CVPR 2022) for one level.

    ``alpha * L_fg + beta * L_bg + gamma * L_at + lambda * L_global``:

    - ``L_fg`` / ``L_bg``: squared error of student and teacher features, both
      weighted by the teacher's spatial and channel attention and by the
      foreground / background mask of the ground-truth boxes.
    - ``L_at``: L1 between student and teacher attention maps.
    - ``L_global``: squared error after a GcBlock on each side.

    Args:
        student_channels (int): Channels of the student feature.
        teacher_channels (int): Channels of the teacher feature; a 1x1 conv
            aligns the student when they differ.
        temp (float): Attention temperature. Defaults to 0.5.
        alpha_fgd (float): Weight of the foreground loss.
        beta_fgd (float): Weight of the background loss.
        gamma_fgd (float): Weight of the attention loss.
        lambda_fgd (float): Weight of the global loss.
        box_geometry (str): How boxes are mapped onto the feature map.
            ``'batch_input'`` (default): in mmdet 3.x a feature map spans the
            padded batch input, so boxes are scaled by ``batch_input_shape``
            and land on the cells that see them. ``'img_shape'``: the original
            FGD code (mmdet 2.x), scaling by each image's unpadded
            ``img_shape``; boxes drift towards the bottom-right of padded
            images.
    """

    def __init__(self,
                 student_channels: int,
                 teacher_channels: int,
                 temp: float = 0.5,
                 alpha_fgd: float = 0.001,
                 beta_fgd: float = 0.0005,
                 gamma_fgd: float = 0.001,
                 lambda_fgd: float = 0.000005,
                 box_geometry: str = 'batch_input') -> None:
        super().__init__()
        if box_geometry not in BOX_GEOMETRIES:
            raise ValueError(f'box_geometry must be one of {BOX_GEOMETRIES}, '
                             f'got {box_geometry!r}')
        self.temp = temp
        self.alpha_fgd = alpha_fgd
        self.beta_fgd = beta_fgd
        self.gamma_fgd = gamma_fgd
        self.lambda_fgd = lambda_fgd
        self.box_geometry = box_geometry
        self.align = (
            nn.Conv2d(student_channels, teacher_channels, kernel_size=1)
            if student_channels != teacher_channels else None)
        self.gc_student = GlobalContextBlock(teacher_channels)
        self.gc_teacher = GlobalContextBlock(teacher_channels)

    def _boxes_and_extents(
        self, data_samples: Sequence
    ) -> Tuple[List[Tensor], List[Tuple[float, float]]]:
        boxes, extents = [], []
        for sample in data_samples:
            bboxes = sample.gt_instances.bboxes
            boxes.append(getattr(bboxes, 'tensor', bboxes))
            key = ('batch_input_shape'
                   if self.box_geometry == 'batch_input' else 'img_shape')
            extents.append(tuple(sample.metainfo[key][:2]))
        return boxes, extents

    def loss_terms(self,
                   preds_S: Tensor,
                   preds_T: Tensor,
                   data_samples: Sequence,
                   location_weight: Optional[Tensor] = None) -> dict:
        """The unweighted FGD terms ``fg``, ``bg``, ``at`` and ``global``.

        ``location_weight`` (N, H, W) scales the feature-imitation terms
        ``fg`` and ``bg`` per location after :func:`region_weight`
        renormalises it to a mask-weighted mean of 1 inside each image's
        foreground and background: it redistributes each region's loss but
        keeps FGD's foreground:background balance, so a weight that is
        constant within each region gives the unweighted terms. Attention
        and global terms compare whole maps and stay as they are.

        Computed in float32 at least (under autocast the features are half
        precision, whose squares overflow above 256).
        """
        if self.align is not None:
            preds_S = self.align(preds_S)
        preds_S = preds_S.to(at_least_float32(preds_S.dtype))
        preds_T = preds_T.detach().to(at_least_float32(preds_T.dtype))
        n, _, h, w = preds_T.shape
        boxes, extents = self._boxes_and_extents(data_samples)
        fg_mask, bg_mask = fgd_masks(boxes, extents, (h, w))

        s_att_t = spatial_attention(preds_T, self.temp)
        c_att_t = channel_attention(preds_T, self.temp)
        s_att_s = spatial_attention(preds_S, self.temp)
        c_att_s = channel_attention(preds_S, self.temp)

        attention = (s_att_t.unsqueeze(1) * c_att_t[:, :, None, None]).sqrt()
        diff = (preds_S - preds_T) * attention
        squared = diff.pow(2)
        if location_weight is not None:
            fg_mask = fg_mask * region_weight(location_weight, fg_mask)
            bg_mask = bg_mask * region_weight(location_weight, bg_mask)
        fg = (squared * fg_mask.unsqueeze(1)).sum() / n
        bg = (squared * bg_mask.unsqueeze(1)).sum() / n
        at = ((c_att_s - c_att_t).abs().sum() / n +
              (s_att_s - s_att_t).abs().sum() / n)
        global_s, global_t = self.gc_student(preds_S), self.gc_teacher(preds_T)
        global_ = (global_s.to(at_least_float32(global_s.dtype)) - global_t.to(
            at_least_float32(global_t.dtype))).pow(2).sum() / n
        return {'fg': fg, 'bg': bg, 'at': at, 'global': global_}

    def forward(self,
                preds_S: Tensor,
                preds_T: Tensor,
                data_samples: Sequence,
                location_weight: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Weighted FGD terms of one feature level.

        Args:
            preds_S (Tensor): (N, C_s, H, W) student feature.
            preds_T (Tensor): (N, C_t, H, W) teacher feature.
            data_samples (Sequence[DetDataSample]): Ground truth and metainfo
                of the batch (``gt_instances.bboxes``, ``batch_input_shape``,
                ``img_shape``).
            location_weight (Tensor, optional): (N, H, W) weight of the
                ``fg`` and ``bg`` terms per location (UET's confidence),
                renormalised within each image's foreground and background
                so that ``alpha_fgd : beta_fgd`` keeps its meaning; a weight
                constant within each region gives the unweighted loss.

        Returns:
            dict: ``fg``, ``bg``, ``at`` and ``global`` terms, weighted; their
            sum is the FGD loss. :class:`UETDistiller` logs them one by one.
        """
        weights = {
            'fg': self.alpha_fgd,
            'bg': self.beta_fgd,
            'at': self.gamma_fgd,
            'global': self.lambda_fgd
        }
        terms = self.loss_terms(preds_S, preds_T, data_samples,
                                location_weight)
        return {name: weights[name] * term for name, term in terms.items()}
