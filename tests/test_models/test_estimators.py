# Copyright (c) uet_mmdet authors. All rights reserved.
"""Every registered estimator on a toy detector with a real RetinaNet head:
its own random stream, head-level values, head moments against head MC."""

import pytest
import torch
from mmrazor.registry import MODELS

from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import dropout_samples, rank_correlation
from ..helpers import (TWO_LEVEL_RECORDERS, TwoLevelRetina, toy_distiller_cfg,
                       toy_uet)


def _cfg(**uet):
    uet = toy_uet(**dict(dict(mode='weight', num_samples=5), **uet))
    return toy_distiller_cfg(
        uet, loss=dict(type='L2Loss'), recorders=TWO_LEVEL_RECORDERS)


def _setup(**uet):
    torch.manual_seed(0)
    teacher, student = TwoLevelRetina(norm=True).eval(), TwoLevelRetina(
        norm=True)
    distiller = MODELS.build(_cfg(**uet))
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    images = torch.randn(
        2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    with distiller.teacher_recorders, torch.no_grad():
        teacher(images)
    with distiller.student_recorders:
        student(images)
    return distiller, teacher


def _level_settings(level):
    measure = ESTIMATORS.get(level).measures[0]
    if level == 'module':
        return dict(level=level)
    return dict(level=level, measure=measure)


@pytest.mark.parametrize('level', sorted(ESTIMATORS.module_dict))
def test_estimators_draw_from_their_own_random_stream(level):
    distiller, _ = _setup(**_level_settings(level))
    torch.manual_seed(7)
    before = torch.get_rng_state()
    losses = distiller.compute_distill_losses()
    assert torch.equal(torch.get_rng_state(), before)
    assert all(torch.isfinite(loss) for loss in losses.values())
    # the same seed gives the same masks, another seed others
    first = distiller.estimator.estimate('fpn0').mc_mean
    distiller.estimator.manual_seed(3)
    distiller.estimator.reset()
    again = distiller.estimator.estimate('fpn0').mc_mean
    distiller.estimator.manual_seed(3)
    distiller.estimator.reset()
    assert torch.equal(distiller.estimator.estimate('fpn0').mc_mean, again)
    assert not torch.equal(first, again)


def test_every_registered_estimator_is_listed_with_its_measures():
    assert {'feature', 'module', 'layer', 'head',
            'head_moments'} <= set(ESTIMATORS.module_dict)
    for name in ESTIMATORS.module_dict:
        assert ESTIMATORS.get(name).measures


@pytest.mark.parametrize('level', ['head', 'head_moments'])
def test_head_levels_without_dropout_give_the_output_entropy(level):
    distiller, teacher = _setup(level=level, measure='entropy', rate=0.0)
    features = tuple(distiller.get_record(f'fpn{i}', False) for i in range(2))
    with torch.no_grad():
        cls_scores = teacher.bbox_head(features)[0]
    for i, logits in enumerate(cls_scores):
        prob = logits.double().sigmoid()
        expected = -(prob * prob.log() + (1 - prob) * (1 - prob).log())
        estimate = distiller.estimator.estimate(f'fpn{i}')
        torch.testing.assert_close(
            estimate.uncertainty.double(),
            expected.sum(dim=1),
            rtol=1e-4,
            atol=1e-4)
    distiller, _ = _setup(level=level, measure='mutual_information', rate=0.0)
    for i in range(2):
        assert float(
            distiller.estimator.estimate(
                f'fpn{i}').uncertainty.abs().max()) < 1e-5


def test_head_moments_rank_locations_as_head_mc_does():
    maps = {}
    for level, samples in (('head', 400), ('head_moments', 5)):
        distiller, _ = _setup(
            level=level,
            measure='mutual_information',
            rate=0.2,
            num_samples=samples)
        maps[level] = [
            distiller.estimator.estimate(f'fpn{i}').uncertainty
            for i in range(2)
        ]
    for mc, moments in zip(maps['head'], maps['head_moments']):
        assert rank_correlation(mc, moments) > 0.8


def test_head_variance_is_the_box_regression_spread_of_k_head_passes():
    distiller, teacher = _setup(
        level='head', measure='variance', rate=0.3, num_samples=4)
    distiller.estimator.manual_seed(11)
    distiller.estimator.reset()
    uncertainty = distiller.estimator.estimate('fpn1').uncertainty
    # the same masks, and one pass of the whole head per sample
    generator = torch.Generator().manual_seed(11)
    masked = dropout_samples(
        distiller.get_record('fpn1', False), torch.full((4, ), 0.3), False,
        generator)
    fpn0 = distiller.get_record('fpn0', False)
    with torch.no_grad():
        boxes = torch.stack(
            [teacher.bbox_head((fpn0, masked[k]))[1][1] for k in range(4)])
    expected = (boxes - boxes.mean(0)).pow(2).mean(0).mean(1)
    torch.testing.assert_close(uncertainty, expected, rtol=1e-4, atol=1e-6)


def test_shuffled_control_permutes_each_image_map():
    plain, _ = _setup(level='head', measure='entropy')
    shuffled, _ = _setup(level='head', measure='entropy', shuffle=True)
    kept = plain.estimator.estimate('fpn0').confidence
    moved = shuffled.estimator.estimate('fpn0').confidence
    for image in range(kept.shape[0]):
        torch.testing.assert_close(kept[image].flatten().sort().values,
                                   moved[image].flatten().sort().values)
        assert not torch.equal(kept[image], moved[image])
