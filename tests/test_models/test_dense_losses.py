# Copyright (c) uet_mmdet authors. All rights reserved.
"""DenseKDLoss and DenseLDLoss against a per-location loop of the textbook
divergences in float64."""
import math

import pytest
import torch

from uet_mmdet.models import DenseKDLoss, DenseLDLoss
from ..helpers import rng


def _weighted_mean(per_location, weight):
    n, h, w = len(per_location), len(per_location[0]), len(per_location[0][0])
    total = 0.0
    for i in range(n):
        for y in range(h):
            for x in range(w):
                scale = 1.0 if weight is None else float(weight[i, y, x])
                total += per_location[i][y][x] * scale
    return total / (n * h * w)


def _binary_kl_sum(student, teacher, tau):
    total = 0.0
    for s, t in zip(student.tolist(), teacher.tolist()):
        p = 1 / (1 + math.exp(-t / tau))
        q = 1 / (1 + math.exp(-s / tau))
        total += p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))
    return total


def _bins_kl_sum(student, teacher, tau, bins):
    total = 0.0
    for side in range(4):
        s = student[side * bins:(side + 1) * bins].tolist()
        t = teacher[side * bins:(side + 1) * bins].tolist()
        zs = sum(math.exp(v / tau) for v in s)
        zt = sum(math.exp(v / tau) for v in t)
        for vs, vt in zip(s, t):
            p, q = math.exp(vt / tau) / zt, math.exp(vs / tau) / zs
            total += p * math.log(p / q)
    return total


def _reference(kl_of_location, student, teacher, tau, weight):
    n, _, h, w = student.shape
    per_location = [[[
        kl_of_location(student[i, :, y, x], teacher[i, :, y, x]) * tau**2
        for x in range(w)
    ] for y in range(h)] for i in range(n)]
    return _weighted_mean(per_location, weight)


@pytest.mark.parametrize('weighted', [False, True])
def test_dense_kd_is_the_binary_kl_per_channel(weighted):
    student = torch.randn(2, 6, 3, 4, generator=rng(0)) * 3
    teacher = torch.randn(2, 6, 3, 4, generator=rng(1)) * 3
    weight = torch.rand(2, 3, 4, generator=rng(2)) if weighted else None
    loss = DenseKDLoss(tau=2.0, loss_weight=0.7)(student, teacher, weight)
    expected = 0.7 * _reference(lambda s, t: _binary_kl_sum(s, t, 2.0),
                                student, teacher, 2.0, weight)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize('weighted', [False, True])
def test_dense_ld_is_the_kl_of_the_four_bin_distributions(weighted):
    bins = 4  # reg_max 3
    student = torch.randn(2, 4 * bins, 3, 2, generator=rng(3)) * 4
    teacher = torch.randn(2, 4 * bins, 3, 2, generator=rng(4)) * 4
    weight = torch.rand(2, 3, 2, generator=rng(5)) if weighted else None
    loss = DenseLDLoss(
        reg_max=3, tau=1.5, loss_weight=0.25)(student, teacher, weight)
    expected = 0.25 * _reference(lambda s, t: _bins_kl_sum(s, t, 1.5, bins),
                                 student, teacher, 1.5, weight)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_half_precision_logits_are_compared_in_float32():
    student = torch.randn(1, 8, 2, 2, generator=rng(6)).half()
    teacher = torch.randn(1, 8, 2, 2, generator=rng(7)).half()
    loss = DenseKDLoss(tau=1.0)(student, teacher)
    assert loss.dtype == torch.float32
    expected = DenseKDLoss(tau=1.0)(student.double(), teacher.double())
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_teacher_gets_no_gradient_and_ld_checks_its_channels():
    student = torch.randn(1, 8, 2, 2, generator=rng(8), requires_grad=True)
    teacher = torch.randn(1, 8, 2, 2, generator=rng(9), requires_grad=True)
    DenseLDLoss(reg_max=1)(student, teacher).backward()
    assert student.grad is not None and teacher.grad is None
    with pytest.raises(ValueError, match='expects 12 channels, got 8'):
        DenseLDLoss(reg_max=2)(student, teacher)
