# Copyright (c) uet_mmdet authors. All rights reserved.
"""Rank-based calibration metrics of an uncertainty map against an error map.

Torch only. Every metric works on ranks, so it is invariant to any strictly
increasing transform of the uncertainty or the error, and ties are handled
by average ranks throughout.
"""
from typing import Dict, Sequence, Union

import torch
from torch import Tensor

from uet_mmdet.errors import UserInputError

TensorOrTensors = Union[Tensor, Sequence[Tensor]]


def average_ranks(values: Tensor) -> Tensor:
    """1-based ranks of a 1-D tensor, ties sharing their average rank.

    ``average_ranks(tensor([3., 1., 3., 2.]))`` is ``[3.5, 1., 3.5, 2.]``.

    Args:
        values (Tensor): (n, ) real values without NaN.

    Returns:
        Tensor: (n, ) float64 ranks on the device of ``values``.
    """
    if values.dim() != 1:
        raise ValueError(f'average_ranks expects a 1-D tensor, got shape '
                         f'{tuple(values.shape)}')
    if values.is_floating_point() and torch.isnan(values).any():
        raise ValueError('average_ranks: values contain NaN')
    n = values.numel()
    ranks = torch.empty(n, dtype=torch.float64, device=values.device)
    if n == 0:
        return ranks
    sorted_values, order = torch.sort(values, stable=True)
    _, counts = torch.unique_consecutive(sorted_values, return_counts=True)
    last = torch.cumsum(counts, dim=0).to(torch.float64)  # 1-based end
    first = last - counts.to(torch.float64) + 1
    ranks[order] = torch.repeat_interleave((first + last) / 2, counts)
    return ranks


def auroc(scores: Tensor, positives: Tensor) -> float:
    """Area under the ROC curve of ``scores`` separating ``positives``.

    The Mann-Whitney statistic ``P(s_pos > s_neg) + P(s_pos == s_neg) / 2``
    over all (positive, negative) pairs, computed from average ranks in
    O(n log n). 1 means every positive scores above every negative, 0.5 is
    chance (or all scores equal), 0 is a perfectly reversed ranking.

    Args:
        scores (Tensor): Real scores without NaN, any shape.
        positives (Tensor): Boolean tensor with the shape of ``scores``.

    Returns:
        float: The AUROC.
    """
    if scores.shape != positives.shape:
        raise ValueError(f'auroc: scores {tuple(scores.shape)} and positives '
                         f'{tuple(positives.shape)} differ in shape')
    scores = scores.reshape(-1)
    positives = positives.reshape(-1).bool()
    num_pos = int(positives.sum())
    num_neg = positives.numel() - num_pos
    if num_pos == 0 or num_neg == 0:
        raise UserInputError(
            f'auroc needs at least one positive and one negative, got '
            f'{num_pos} positives and {num_neg} negatives')
    ranks = average_ranks(scores)
    rank_sum = ranks[positives].sum().item()
    u_statistic = rank_sum - num_pos * (num_pos + 1) / 2
    return u_statistic / (num_pos * num_neg)


def spearman(a: Tensor, b: Tensor) -> float:
    """Spearman rank correlation: Pearson correlation of average ranks.

    Tie-aware (equal values share their average rank, as
    ``scipy.stats.spearmanr`` does). NaN when either input is constant.

    Args:
        a (Tensor): Real values without NaN, any shape.
        b (Tensor): Real values without NaN, same shape as ``a``.

    Returns:
        float: The correlation in [-1, 1], or NaN.
    """
    if a.shape != b.shape:
        raise ValueError(f'spearman: shapes {tuple(a.shape)} and '
                         f'{tuple(b.shape)} differ')
    if a.numel() < 2:
        raise UserInputError(f'spearman needs at least 2 elements, got '
                             f'{a.numel()}')
    rank_a = average_ranks(a.reshape(-1))
    rank_b = average_ranks(b.reshape(-1))
    rank_a = rank_a - rank_a.mean()
    rank_b = rank_b - rank_b.mean()
    denominator = torch.sqrt((rank_a * rank_a).sum() * (rank_b * rank_b).sum())
    if denominator.item() == 0:
        return float('nan')
    return ((rank_a * rank_b).sum() / denominator).item()


def top_fraction(error: Tensor, fraction: float) -> Tensor:
    """Mask of the ``fraction`` of elements with the largest error.

    Selects ``k = max(1, round(fraction * n))`` elements (Python's
    ``round``, halves to even). Ties at the threshold are broken by position:
    among equal errors the element with the lower flat (row-major) index is
    selected first.

    Args:
        error (Tensor): Real errors without NaN, any shape, at least one
            element.
        fraction (float): In (0, 1].

    Returns:
        Tensor: Boolean tensor of the shape of ``error`` with exactly ``k``
        True elements.
    """
    if not 0 < fraction <= 1:
        raise UserInputError(f'top_fraction: fraction must be in (0, 1], got '
                             f'{fraction}')
    flat = error.reshape(-1)
    if flat.numel() == 0:
        raise ValueError('top_fraction: error is empty')
    if flat.is_floating_point() and torch.isnan(flat).any():
        raise ValueError('top_fraction: error contains NaN')
    k = max(1, round(fraction * flat.numel()))
    # stable descending sort keeps equal errors in index order
    _, order = torch.sort(flat, descending=True, stable=True)
    mask = torch.zeros(flat.numel(), dtype=torch.bool, device=flat.device)
    mask[order[:k]] = True
    return mask.reshape(error.shape)


# calibration_scores' argument shadows the function's name
_top_fraction_mask = top_fraction


def _flatten(values: TensorOrTensors, name: str) -> Tensor:
    if isinstance(values, Tensor):
        return values.reshape(-1)
    values = list(values)
    if not values or not all(isinstance(v, Tensor) for v in values):
        raise TypeError(f'{name} must be a tensor or a non-empty sequence of '
                        f'tensors')
    return torch.cat([v.reshape(-1) for v in values])


def calibration_scores(uncertainty: TensorOrTensors,
                       error: TensorOrTensors,
                       top_fraction: float = 0.1) -> Dict[str, float]:
    """How well an uncertainty map marks where the error is large.

    Both inputs are flattened (a sequence of tensors, e.g. one per FPN level,
    is flattened and concatenated in order; the elements must correspond one
    to one). Elements whose ``error`` is NaN (no defined error, e.g. no
    positive anchor for a box error) are dropped first.

    Args:
        uncertainty (Tensor | Sequence[Tensor]): Uncertainty per element.
        error (Tensor | Sequence[Tensor]): Error per element, NaN = ignore.
        top_fraction (float): Fraction of the kept elements with the largest
            error that count as positives for the AUROC, in (0, 1).

    Returns:
        dict: ``auroc`` (float) of the uncertainty predicting the
        top-``top_fraction`` error elements (see :func:`top_fraction` for
        the count and tie rule), ``spearman`` (float) rank correlation of the
        uncertainty with the error, ``count`` (int) number of kept elements.
    """
    uncertainty = _flatten(uncertainty, 'uncertainty')
    error = _flatten(error, 'error')
    if uncertainty.shape != error.shape:
        raise ValueError(f'calibration_scores: uncertainty has '
                         f'{uncertainty.numel()} elements but error has '
                         f'{error.numel()}')
    keep = ~torch.isnan(error)
    uncertainty, error = uncertainty[keep], error[keep]
    if torch.isnan(uncertainty).any():
        raise ValueError('calibration_scores: uncertainty is NaN where the '
                         'error is defined')
    count = int(error.numel())
    if count < 2:
        raise UserInputError(f'calibration_scores needs at least 2 elements '
                             f'with a defined error, got {count}')
    top = _top_fraction_mask(error, top_fraction)
    if bool(top.all()):
        raise UserInputError(
            f'calibration_scores: top_fraction={top_fraction} of {count} '
            'elements leaves no element below the top; choose a smaller one')
    return dict(
        auroc=auroc(uncertainty, top),
        spearman=spearman(uncertainty, error),
        count=count)
