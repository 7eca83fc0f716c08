# Copyright (c) uet_mmdet authors. All rights reserved.
import math

import pytest
import torch
from torch import nn

from uet_mmdet.uncertainty import (dropout_samples, dropout_schedule,
                                   feature_mc_moments,
                                   feature_mc_moments_exact, module_mc_samples,
                                   rank_correlation)
from ..helpers import rng


def test_schedule_follows_the_paper():
    torch.testing.assert_close(
        dropout_schedule(5),
        torch.tensor([0.15, 0.2, 0.25, 0.3, 0.35], dtype=torch.float64))


@pytest.mark.parametrize('rates', [[0.5, 1.0], [-0.1], []])
def test_rates_outside_zero_one_are_rejected(rates):
    with pytest.raises(ValueError):
        feature_mc_moments(torch.ones(1, 1, 2, 2), rates)


def test_zero_samples_rejected():
    with pytest.raises(ValueError, match='num_samples'):
        dropout_schedule(0)


@pytest.mark.parametrize('channel_wise', [False, True])
def test_shapes_and_channel_wise_masks(channel_wise):
    feature = torch.randn(2, 3, 4, 5)
    samples = dropout_samples(
        feature, [0.3] * 4, channel_wise, generator=rng(0))
    assert samples.shape == (4, 2, 3, 4, 5)
    if channel_wise:
        kept = samples != 0
        assert bool((kept.all(dim=(3, 4)) | (~kept).all(dim=(3, 4))).all())
    mean, var = feature_mc_moments(feature, [0.3] * 4, channel_wise)
    assert mean.shape == var.shape == feature.shape


def test_feature_level_variance_is_only_a_function_of_the_feature():
    # With a fixed rate p and many samples: var -> F^2 p / (1 - p).
    feature = torch.randn(1, 4, 6, 6, dtype=torch.float64)
    p = 0.3
    mean, var = feature_mc_moments(feature, [p] * 20000, generator=rng(1))
    torch.testing.assert_close(mean, feature, atol=0.05, rtol=0.02)
    torch.testing.assert_close(
        var, feature.pow(2) * p / (1 - p), atol=0.02, rtol=0.05)


@pytest.mark.parametrize('channel_wise', [False, True])
def test_exact_sampler_matches_k_mask_monte_carlo(channel_wise):
    rates = dropout_schedule(5)
    feature = torch.ones(50, 40, 10, 10, dtype=torch.float64)
    naive = feature_mc_moments(feature, rates, channel_wise, rng(2))
    exact = feature_mc_moments_exact(feature, rates, channel_wise, rng(3))
    for got, want in zip(exact, naive):
        # per-element estimates: same first two moments ...
        assert got.mean().item() == pytest.approx(want.mean().item(), rel=0.03)
        assert got.std().item() == pytest.approx(want.std().item(), rel=0.05)
        # ... and the same discrete distribution of values
        values = torch.cat([got.flatten(), want.flatten()]).round(decimals=9)
        support = values.unique()
        freq_got = (got.flatten().round(
            decimals=9)[:, None] == support).double().mean(0)
        freq_want = (want.flatten().round(
            decimals=9)[:, None] == support).double().mean(0)
        assert (freq_got - freq_want).abs().max().item() < 0.02


def test_exact_sampler_scales_with_the_feature():
    rates = dropout_schedule(4)
    feature = torch.randn(2, 3, 4, 4)
    mean, var = feature_mc_moments_exact(feature, rates, generator=rng(0))
    unit_mean, unit_var = feature_mc_moments_exact(
        torch.ones_like(feature), rates, generator=rng(0))
    torch.testing.assert_close(mean, feature * unit_mean)
    torch.testing.assert_close(var, feature.pow(2) * unit_var)


def test_same_seed_same_masks_other_seed_other_masks():
    feature = torch.randn(2, 3, 8, 8)
    first = dropout_samples(feature, [0.2] * 3, generator=rng(7))
    again = dropout_samples(feature, [0.2] * 3, generator=rng(7))
    other = dropout_samples(feature, [0.2] * 3, generator=rng(8))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def _teacher_module() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 8, 3, padding=1))


def test_module_level_uncertainty_is_not_a_function_of_the_output():
    module = _teacher_module()
    inputs = torch.randn(2, 8, 12, 12)
    samples = module_mc_samples(
        module, inputs, dropout_schedule(10), generator=rng(0))
    assert samples.shape == (10, 2, 8, 12, 12)
    output = module(inputs).detach()
    std = samples.var(dim=0, unbiased=False).sqrt()
    assert rank_correlation(output.abs(), std) < 0.8
    # dropout on the output itself ranks locations by |output| only
    _, feature_var = feature_mc_moments(
        output, dropout_schedule(10), generator=rng(0))
    assert rank_correlation(output.abs(), feature_var.sqrt()) > 0.95


def test_module_level_batches_tuple_inputs_and_gives_no_gradient():
    module = _teacher_module()

    def neck(features):
        return tuple(module(feature) for feature in features)

    features = (torch.randn(2, 8, 6, 6, requires_grad=True),
                torch.randn(2, 8, 3, 3, requires_grad=True))
    samples = module_mc_samples(neck, features, [0.1, 0.2, 0.3])
    assert [s.shape for s in samples] == [(3, 2, 8, 6, 6), (3, 2, 8, 3, 3)]
    assert not any(s.requires_grad for s in samples)
    assert all(p.grad is None for p in module.parameters())
    # sample k of the batched call is module(dropout_k(input))
    rates = [0.0, 0.0]
    exact = module_mc_samples(module, features[0], rates)
    torch.testing.assert_close(exact[1], module(features[0]).detach())


def test_maps():
    from uet_mmdet.uncertainty import (relative_confidence,
                                       sigmoid_mutual_information,
                                       sigmoid_predictive_entropy)
    same = torch.zeros(4, 1, 2, 3, 3)
    assert torch.allclose(
        sigmoid_predictive_entropy(same), torch.full((1, 3, 3),
                                                     2 * math.log(2)))
    assert torch.allclose(
        sigmoid_mutual_information(same), torch.zeros(1, 3, 3))
    spread = torch.randn(8, 1, 2, 3, 3) * 3
    assert (sigmoid_mutual_information(spread) > 0).all()
    confidence = relative_confidence(torch.rand(1, 3, 3), tau=0.5)
    assert ((confidence > 0) & (confidence <= 1)).all()
    with pytest.raises(ValueError):
        relative_confidence(torch.rand(1, 3, 3), tau=0)


def test_relative_confidence_is_scale_free_and_weights_average_one():
    from uet_mmdet.uncertainty import mean_one_weights, relative_confidence
    uncertainty = torch.rand(2, 5, 4)
    confidence = relative_confidence(uncertainty, tau=1.0)
    assert ((confidence > 0) & (confidence <= 1)).all()
    torch.testing.assert_close(
        relative_confidence(uncertainty * 1000, tau=1.0), confidence)
    # a location as uncertain as the image average gets exp(-1 / tau)
    flat = torch.full((1, 3, 3), 0.7)
    torch.testing.assert_close(
        relative_confidence(flat, tau=2.0),
        torch.full((1, 3, 3), math.exp(-0.5)))
    # more uncertain -> less confident, within each image
    for image in range(2):
        order = uncertainty[image].flatten().argsort()
        assert (confidence[image].flatten()[order].diff() <= 0).all()
    torch.testing.assert_close(
        mean_one_weights(confidence).mean(dim=(1, 2)), torch.ones(2))


def test_module_level_keeps_nested_outputs():
    conv = torch.nn.Conv2d(4, 4, 1)

    def head(features):
        return ([conv(f)
                 for f in features], [conv(f).relu() for f in features])

    features = [torch.randn(2, 4, 4, 4), torch.randn(2, 4, 2, 2)]
    cls, reg = module_mc_samples(head, features, [0.1, 0.2, 0.3])
    assert [t.shape for t in cls] == [(3, 2, 4, 4, 4), (3, 2, 4, 2, 2)]
    assert [t.shape for t in reg] == [(3, 2, 4, 4, 4), (3, 2, 4, 2, 2)]
