# Copyright (c) uet_mmdet authors. All rights reserved.
import math

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from uet_mmdet.models.losses import FGDLoss


def _sample(boxes, img_shape=(64, 64), batch_input_shape=(64, 64)):
    sample = DetDataSample(
        metainfo=dict(
            img_shape=img_shape, batch_input_shape=batch_input_shape))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).view(-1, 4),
        labels=torch.zeros(len(boxes), dtype=torch.long))
    return sample


def _reference_terms(student, teacher, fg, bg, temp):
    """FGD written out with explicit loops over images, channels and cells."""
    n, c, h, w = teacher.shape

    def attentions(feature, i):
        spatial = torch.zeros(h, w)
        logits = torch.tensor(
            [[feature[i, :, y, x].abs().mean() / temp for x in range(w)]
             for y in range(h)])
        spatial = h * w * torch.softmax(logits.flatten(), 0).view(h, w)
        channel_logits = torch.tensor(
            [feature[i, k].abs().mean() / temp for k in range(c)])
        return spatial, c * torch.softmax(channel_logits, 0)

    fg_loss = bg_loss = at_loss = 0.0
    for i in range(n):
        s_t, c_t = attentions(teacher, i)
        s_s, c_s = attentions(student, i)
        for k in range(c):
            for y in range(h):
                for x in range(w):
                    err = ((student[i, k, y, x] - teacher[i, k, y, x])**2 *
                           s_t[y, x] * c_t[k])
                    fg_loss += err * fg[i, y, x]
                    bg_loss += err * bg[i, y, x]
        at_loss += (c_s - c_t).abs().sum() + (s_s - s_t).abs().sum()
    return fg_loss / n, bg_loss / n, at_loss / n


def test_constant_features_give_hand_computed_terms():
    # |F| constant -> uniform attention (all ones); one 3x3-cell box.
    loss = FGDLoss(4, 4, temp=0.5)
    teacher = torch.ones(1, 4, 8, 8)
    student = torch.zeros(1, 4, 8, 8)
    terms = loss.loss_terms(student, teacher, [_sample([[8, 16, 24, 32]])])
    # fg: 4 channels * 9 cells * 1/9 ; bg: 4 channels * sum(bg) = 4
    assert terms['fg'].item() == pytest.approx(4.0)
    assert terms['bg'].item() == pytest.approx(4.0)
    assert terms['at'].item() == pytest.approx(0.0, abs=1e-6)
    # the GcBlocks start as identities (last conv zero): sum (0 - 1)^2
    assert terms['global'].item() == pytest.approx(4 * 64)


def test_random_features_match_loop_reference():
    torch.manual_seed(0)
    loss = FGDLoss(3, 3, temp=0.8)
    teacher = torch.randn(2, 3, 4, 4)
    student = torch.randn(2, 3, 4, 4)
    samples = [_sample([[0, 0, 32, 16]]), _sample([[16, 16, 48, 64]])]
    terms = loss.loss_terms(student, teacher, samples)
    from uet_mmdet.models.losses import fgd_masks
    fg, bg = fgd_masks([s.gt_instances.bboxes for s in samples],
                       [(64, 64)] * 2, (4, 4))
    fg_ref, bg_ref, at_ref = _reference_terms(student, teacher, fg, bg, 0.8)
    assert terms['fg'].item() == pytest.approx(float(fg_ref), rel=1e-5)
    assert terms['bg'].item() == pytest.approx(float(bg_ref), rel=1e-5)
    assert terms['at'].item() == pytest.approx(float(at_ref), rel=1e-5)


def test_weights_combine_terms():
    torch.manual_seed(1)
    loss = FGDLoss(
        2, 2, alpha_fgd=2.0, beta_fgd=3.0, gamma_fgd=5.0, lambda_fgd=7.0)
    args = (torch.randn(1, 2, 4,
                        4), torch.randn(1, 2, 4,
                                        4), [_sample([[0, 0, 20, 20]])])
    terms = loss.loss_terms(*args)
    weighted = loss(*args)
    for name, weight in (('fg', 2.0), ('bg', 3.0), ('at', 5.0), ('global',
                                                                 7.0)):
        assert weighted[name].item() == pytest.approx(weight *
                                                      terms[name].item())


def test_image_without_boxes_has_zero_foreground_and_no_nan():
    loss = FGDLoss(4, 4)
    weighted = loss(
        torch.randn(2, 4, 8, 8), torch.randn(2, 4, 8, 8),
        [_sample([]), _sample([[0, 0, 8, 8]])])
    assert all(math.isfinite(value.item()) for value in weighted.values())
    only_empty = loss.loss_terms(
        torch.randn(1, 4, 8, 8), torch.randn(1, 4, 8, 8), [_sample([])])
    assert only_empty['fg'].item() == 0.0
    assert only_empty['bg'].item() > 0.0


def test_gradients_reach_student_align_and_gcblocks_not_teacher():
    loss = FGDLoss(3, 5)
    assert loss.align is not None
    student = torch.randn(2, 3, 8, 8, requires_grad=True)
    teacher = torch.randn(2, 5, 8, 8, requires_grad=True)
    weighted = loss(student, teacher, [_sample([[0, 0, 30, 30]])] * 2)
    sum(weighted.values()).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None
    assert loss.align.weight.grad.abs().sum() > 0
    for block in (loss.gc_student, loss.gc_teacher):
        assert block.channel_add[-1].weight.grad.abs().sum() > 0


def test_bad_box_geometry_is_rejected():
    with pytest.raises(ValueError, match='box_geometry'):
        FGDLoss(4, 4, box_geometry='pixels')


def _weighted_setup(seed=2):
    torch.manual_seed(seed)
    loss = FGDLoss(3, 3, temp=0.8)
    student, teacher = torch.randn(3, 3, 4, 4), torch.randn(3, 3, 4, 4)
    samples = [
        _sample([[0, 0, 32, 16]]),
        _sample([[16, 16, 48, 64], [0, 0, 20, 20]]),
        _sample([])
    ]
    return loss, student, teacher, samples


def _masks(samples):
    from uet_mmdet.models.losses import fgd_masks
    return fgd_masks([s.gt_instances.bboxes for s in samples],
                     [(64, 64)] * len(samples), (4, 4))


def _assert_terms_close(got, expected):
    assert got.keys() == expected.keys()
    for name in expected:
        torch.testing.assert_close(got[name], expected[name])


@pytest.mark.parametrize('constant', [1.0, 0.37, 25.0])
def test_constant_weight_gives_the_unweighted_terms(constant):
    loss, student, teacher, samples = _weighted_setup()
    weight = torch.full((3, 4, 4), constant)
    _assert_terms_close(
        loss.loss_terms(student, teacher, samples, weight),
        loss.loss_terms(student, teacher, samples))


def test_weights_constant_per_region_give_the_unweighted_terms():
    """Different constants in each image's foreground and background do not
    move the foreground:background balance."""
    loss, student, teacher, samples = _weighted_setup()
    fg, _ = _masks(samples)
    fg_values = torch.tensor([3.0, 0.2, 7.0]).view(3, 1, 1)
    bg_values = torch.tensor([0.5, 4.0, 0.01]).view(3, 1, 1)
    weight = torch.where(fg > 0, fg_values, bg_values)
    _assert_terms_close(
        loss.loss_terms(student, teacher, samples, weight),
        loss.loss_terms(student, teacher, samples))


def _region_weight_reference(weight, mask):
    """Per image, ``weight / (sum(mask * weight) / sum(mask))`` by loops;
    1 where either sum is 0."""
    n, h, w = weight.shape
    result = torch.ones(n, h, w)
    for i in range(n):
        cells = [(y, x) for y in range(h) for x in range(w)]
        total = sum(float(mask[i, y, x]) for y, x in cells)
        weighted = sum(
            float(mask[i, y, x] * weight[i, y, x]) for y, x in cells)
        if total > 0 and weighted > 0:
            for y, x in cells:
                result[i, y, x] = weight[i, y, x] * total / weighted
    return result


def test_random_weight_matches_loop_reference():
    loss, student, teacher, samples = _weighted_setup()
    fg, bg = _masks(samples)
    weight = torch.rand(3, 4, 4) * 2
    weight[1][fg[1] > 0] = 0.0  # zero weight on a foreground: weight 1
    terms = loss.loss_terms(student, teacher, samples, weight)
    fg_ref, bg_ref, at_ref = _reference_terms(
        student, teacher, fg * _region_weight_reference(weight, fg),
        bg * _region_weight_reference(weight, bg), 0.8)
    assert terms['fg'].item() == pytest.approx(float(fg_ref), rel=1e-5)
    assert terms['bg'].item() == pytest.approx(float(bg_ref), rel=1e-5)
    assert terms['at'].item() == pytest.approx(float(at_ref), rel=1e-5)
    plain = loss.loss_terms(student, teacher, samples)
    assert terms['fg'].item() != pytest.approx(plain['fg'].item(), rel=1e-3)
    assert terms['bg'].item() != pytest.approx(plain['bg'].item(), rel=1e-3)
