# Copyright (c) uet_mmdet authors. All rights reserved.
"""The location-weighted CWD keeps MMRazor's value and the optimum q = p."""
import torch
from mmrazor.registry import MODELS

from uet_mmdet.models.losses import HOSTS

TAU = 2.0


def _cwd_host():
    return MODELS.build(
        dict(type='ChannelWiseDivergence', tau=TAU, loss_weight=3.0))


def _spatial_softmax(logits):
    n, c, h, w = logits.shape
    return torch.softmax(logits.view(n, c, h * w) / TAU, dim=2)


def _fit_student(loss_fn, teacher, steps=600):
    student = torch.zeros_like(teacher, requires_grad=True)
    optimizer = torch.optim.Adam([student], lr=0.05)
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(student).backward()
        optimizer.step()
    return _spatial_softmax(student.detach())


def test_weight_one_is_mmrazor_cwd():
    torch.manual_seed(0)
    host = _cwd_host()
    student, teacher = torch.randn(2, 5, 4, 3), torch.randn(2, 5, 4, 3)
    weighted = HOSTS['ChannelWiseDivergence'].weighted
    torch.testing.assert_close(
        weighted(host, torch.ones(2, 4, 3), student, teacher),
        host(student, teacher))


def test_weighted_cwd_is_minimised_by_the_teacher_distribution():
    torch.manual_seed(1)
    host = _cwd_host()
    teacher = torch.randn(1, 2, 3, 3) * 2
    weight = torch.rand(1, 3, 3) * 2.5 + 0.2
    p = _spatial_softmax(teacher)
    weighted = HOSTS['ChannelWiseDivergence'].weighted
    q = _fit_student(lambda s: weighted(host, weight, s, teacher), teacher)
    assert (q - p).abs().max() < 1e-3

    def kl_times_weight(student):
        log_q = torch.log(_spatial_softmax(student))
        return (weight.view(1, 1, 9) * p * (p.log() - log_q)).sum()

    q_old = _fit_student(kl_times_weight, teacher)
    wp = weight.view(1, 1, 9) * p
    tilted = wp / wp.sum(dim=2, keepdim=True)
    assert (q_old - tilted).abs().max() < 1e-3
    assert (tilted - p).abs().max() > 0.05
