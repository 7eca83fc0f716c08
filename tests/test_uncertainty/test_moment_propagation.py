# Copyright (c) uet_mmdet authors. All rights reserved.
"""Sampling-free moment propagation against integration, loops and MC."""
import functools
import math

import pytest
import torch
from torch import nn

from uet_mmdet.uncertainty import (conv2d_moments, dropout_input_moments,
                                   dropout_samples, dropout_schedule,
                                   norm_moments, propagate_moments,
                                   rank_correlation, relu_moments,
                                   sigmoid_gaussian_uncertainty)


def _generator(seed):
    return torch.Generator().manual_seed(seed)


def _positive_part_moments(mean, var):
    """Mean and variance of ``relu(N(mean, var))`` (float64 tensors) by
    Simpson's rule over the standard normal ``u`` where ``mean + std * u >
    0``; the rest, where the output is 0, by ``erfc``."""
    std = var.sqrt().unsqueeze(1)
    ratio = mean.unsqueeze(1) / std
    steps = torch.linspace(0, 28, 20001, dtype=torch.float64)
    u = (-ratio).clamp(min=-14) + steps
    simpson = torch.ones_like(steps)
    simpson[1:-1:2], simpson[2:-1:2] = 4, 2
    weights = simpson * (steps[1] / 3) * torch.exp(-u.pow(2) / 2) / math.sqrt(
        2 * math.pi)
    first = (weights * (ratio + u)).sum(1, keepdim=True)
    second = (weights * (ratio + u - first).pow(2)).sum(1, keepdim=True)
    zero_mass = torch.erfc(ratio / math.sqrt(2)) / 2
    return ((std * first).squeeze(1),
            (std.pow(2) * (second + first.pow(2) * zero_mass)).squeeze(1))


@functools.lru_cache()
def _relu_grid():
    means = [-50., -8., -3., -1., -0.3, 0., 0.2, 1., 3., 8., 50., 1e3]
    variances = [1e-6, 0.25, 1., 4., 9.]
    grid = torch.tensor([(m, v) for m in means for v in variances],
                        dtype=torch.float64)
    return grid, torch.stack(
        _positive_part_moments(grid[:, 0], grid[:, 1]), dim=1)


@pytest.mark.parametrize('dtype,rtol,atol', [(torch.float64, 1e-9, 1e-12),
                                             (torch.float32, 2e-5, 1e-6)])
def test_relu_moments_match_numerical_integration(dtype, rtol, atol):
    grid, reference = _relu_grid()
    mean, var = relu_moments(grid[:, 0].to(dtype), grid[:, 1].to(dtype))
    assert mean.dtype == var.dtype == dtype
    # compared in units of the input's standard deviation
    std = grid[:, 1].sqrt()
    torch.testing.assert_close(
        mean.double() / std, reference[:, 0] / std, rtol=rtol, atol=atol)
    torch.testing.assert_close(
        var.double() / std**2, reference[:, 1] / std**2, rtol=rtol, atol=atol)


def test_relu_moments_are_exact_without_variance_and_finite_at_extremes():
    mean = torch.tensor([-3., 0., 2.5, 1., -1., 1., 1e30])
    var = torch.tensor([0., 0., 0., 1e-44, 1e-44, 1e30, 1e-30])
    out_mean, out_var = relu_moments(mean, var)
    assert torch.equal(out_mean[:3], mean[:3].relu())
    assert torch.equal(out_var[:3], torch.zeros(3))
    assert bool(torch.isfinite(out_mean).all() & torch.isfinite(out_var).all())
    torch.testing.assert_close(out_mean[3:5], torch.tensor([1., 0.]))
    torch.testing.assert_close(out_mean[6], mean[6])


def _mc_conv_moments(conv, samples):
    with torch.no_grad():
        outputs = conv(samples.flatten(0, 1)).unflatten(0, samples.shape[:2])
    return outputs.mean(0), outputs.var(0, unbiased=False)


def _assert_close_to_mc(moments, mc_mean, mc_var):
    """Within the MC errors of 10k-20k samples: up to 0.005 (one standard
    deviation) for the mean and 2% for the variance per element, far less
    on average."""
    mean, var = (moment.detach() for moment in moments)
    torch.testing.assert_close(mean, mc_mean, rtol=0, atol=0.02)
    torch.testing.assert_close(var, mc_var, rtol=0.1, atol=0)
    assert abs(float((mean - mc_mean).mean())) < 1e-3
    assert abs(float(var.sum() / mc_var.sum()) - 1) < 0.01


def test_conv2d_moments_match_mc_for_independent_gaussian_inputs():
    torch.manual_seed(0)
    conv = nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2)
    mean = torch.randn(2, 4, 9, 9)
    var = torch.rand(2, 4, 9, 9) * 2
    samples = mean + var.sqrt() * torch.randn(20000, *mean.shape)
    mc_mean, mc_var = _mc_conv_moments(conv, samples)
    _assert_close_to_mc(conv2d_moments(conv, mean, var), mc_mean, mc_var)


def test_conv2d_moments_match_mc_through_dropout_mixture():
    torch.manual_seed(1)
    conv = nn.Conv2d(8, 5, 3, padding=1)
    feature = torch.randn(2, 8, 7, 7)
    rates = dropout_schedule(5)
    copies = dropout_samples(
        feature.repeat(2000, 1, 1, 1), rates, generator=_generator(2))
    samples = copies.unflatten(1, (2000, 2)).flatten(0, 1)
    mc_mean, mc_var = _mc_conv_moments(conv, samples)
    _assert_close_to_mc(
        conv2d_moments(conv, *dropout_input_moments(feature, rates)), mc_mean,
        mc_var)


def test_conv2d_moments_reject_non_zero_padding():
    conv = nn.Conv2d(2, 2, 3, padding=1, padding_mode='reflect')
    with pytest.raises(ValueError, match='reflect'):
        conv2d_moments(conv, torch.ones(1, 2, 4, 4), torch.ones(1, 2, 4, 4))


def test_group_norm_moments_match_a_loop_over_groups():
    torch.manual_seed(3)
    norm = nn.GroupNorm(2, 6)
    nn.init.normal_(norm.weight)
    nn.init.normal_(norm.bias)
    mean, var = torch.randn(2, 6, 3, 4), torch.rand(2, 6, 3, 4)
    out_mean, out_var = norm_moments(norm, mean, var)
    weight, bias = norm.weight.detach(), norm.bias.detach()
    for n in range(2):
        for group in range(2):
            channels = slice(3 * group, 3 * group + 3)
            stat_mean = float(mean[n, channels].mean())
            stat_var = float(((mean[n, channels] - stat_mean)**2).mean() +
                             var[n, channels].mean())
            for c in range(3 * group, 3 * group + 3):
                scale = float(weight[c]) / math.sqrt(stat_var + norm.eps)
                torch.testing.assert_close(out_mean[n, c],
                                           (mean[n, c] - stat_mean) * scale +
                                           float(bias[c]))
                torch.testing.assert_close(out_var[n, c], var[n, c] * scale**2)


def test_norm_moments_without_variance_are_the_eval_forward():
    torch.manual_seed(4)
    group_norm = nn.GroupNorm(3, 6)
    batch_norm = nn.BatchNorm2d(6)
    batch_norm(torch.randn(8, 6, 5, 5) * 3 + 1)  # running statistics
    for norm in (group_norm, batch_norm):
        nn.init.normal_(norm.weight)
        nn.init.normal_(norm.bias)
    mean = torch.randn(2, 6, 4, 4)
    with torch.no_grad():
        expected_gn = group_norm(mean)
        expected_bn = batch_norm.eval()(mean)
    # batch norm in training mode still uses the running statistics
    bn_mean, bn_var = norm_moments(batch_norm.train(), mean,
                                   torch.ones_like(mean))
    torch.testing.assert_close(bn_mean, expected_bn)
    gamma = batch_norm.weight.view(-1, 1, 1)
    torch.testing.assert_close(
        bn_var, (gamma**2 / (batch_norm.running_var.view(-1, 1, 1) +
                             batch_norm.eps)).expand_as(bn_var))
    gn_mean, gn_var = norm_moments(group_norm, mean, torch.zeros_like(mean))
    torch.testing.assert_close(gn_mean, expected_gn)
    assert torch.equal(gn_var, torch.zeros_like(mean))


class _ConvModule(nn.Module):
    """Stands in for mmcv's ConvModule: same attributes, same forward."""

    def __init__(self,
                 conv,
                 norm=None,
                 activate=None,
                 order=('conv', 'norm', 'act')):
        super().__init__()
        self.conv, self.activate, self.order = conv, activate, order
        self.norm_name = 'gn'
        self.add_module(self.norm_name, norm)
        self.with_norm = norm is not None
        self.with_activation = activate is not None

    def forward(self, x):
        for layer in self.order:
            if layer == 'conv':
                x = self.conv(x)
            elif layer == 'norm' and self.with_norm:
                x = getattr(self, self.norm_name)(x)
            elif layer == 'act' and self.with_activation:
                x = self.activate(x)
        return x


def _heads(seed, channels=16, outputs=6):
    """A RetinaNet-like branch as plain modules and as ConvModule-likes,
    sharing the same layers."""
    torch.manual_seed(seed)
    blocks = []
    for _ in range(2):
        norm = nn.GroupNorm(4, channels)
        nn.init.uniform_(norm.weight, 0.5, 1.5)
        nn.init.normal_(norm.bias, std=0.3)
        blocks.append(
            _ConvModule(
                nn.Conv2d(channels, channels, 3, padding=1, bias=False), norm,
                nn.ReLU(inplace=True)))
    logits = nn.Conv2d(channels, outputs, 3, padding=1)
    plain = nn.Sequential(
        *[
            layer for block in blocks
            for layer in (block.conv, block.gn, block.activate)
        ], logits)
    return plain.eval(), [nn.ModuleList(blocks), logits]


@torch.no_grad()
def _mc_head(head, feature, rates, repeats, seed):
    """MC dropout through the real head (GroupNorm statistics of every
    stochastic pass, as MC dropout on the teacher computes them)."""
    copies = dropout_samples(
        feature.repeat(repeats, 1, 1, 1), rates, generator=_generator(seed))
    outputs = head(copies.flatten(0, 1)).unflatten(0, (-1, len(feature)))
    return outputs.mean(0), outputs.var(0, unbiased=False)


def test_propagation_through_a_head_matches_mc_dropout():
    plain, blocks = _heads(seed=0)
    feature = torch.randn(2, 16, 12, 12, generator=_generator(100))
    rates = dropout_schedule(5)
    mc_mean, mc_var = _mc_head(plain, feature, rates, repeats=80, seed=1)
    moments = dropout_input_moments(feature, rates)
    with torch.no_grad():
        mean, var = propagate_moments(plain, *moments)
        block_mean, block_var = propagate_moments(blocks, *moments)
    torch.testing.assert_close(block_mean, mean)
    torch.testing.assert_close(block_var, var)
    # measured: 0.966 per location, 0.890 per element, scale 1.002; two MC
    # runs of 400 agree to 0.983 and 0.959
    assert rank_correlation(var.mean(1), mc_var.mean(1)) > 0.93
    assert rank_correlation(var, mc_var) > 0.85
    assert 0.9 < float(var.mean() / mc_var.mean()) < 1.1
    # measured 0.0079 and 0.034; two MC runs differ by 0.0093 and 0.043
    assert float((mean - mc_mean).abs().mean()) < 0.012
    assert float((mean - mc_mean).abs().max()) < 0.06


def test_conv_module_order_is_followed():
    torch.manual_seed(5)
    conv, norm = nn.Conv2d(4, 4, 3, padding=1), nn.GroupNorm(2, 4)
    block = _ConvModule(conv, norm, nn.ReLU(), order=('conv', 'act', 'norm'))
    mean, var = torch.randn(1, 4, 5, 5), torch.rand(1, 4, 5, 5)
    out = propagate_moments(block, mean, var)
    by_hand = norm_moments(norm,
                           *relu_moments(*conv2d_moments(conv, mean, var)))
    torch.testing.assert_close(out, by_hand)


def _sigmoid_entropy(prob):
    return -(torch.xlogy(prob, prob) + torch.xlogy(1 - prob, 1 - prob))


def test_sigmoid_gaussian_uncertainty_matches_mc():
    torch.manual_seed(6)
    mean = torch.randn(2, 3, 4, 4, dtype=torch.float64) * 4
    var = torch.rand(2, 3, 4, 4, dtype=torch.float64) * 9
    var[0, :, 0, 0] = 0
    probs = (mean + var.sqrt() *
             torch.randn(100000, *mean.shape, dtype=torch.float64)).sigmoid()
    entropy = _sigmoid_entropy(probs.mean(0)).sum(1)
    information = entropy - _sigmoid_entropy(probs).mean(0).sum(1)
    torch.testing.assert_close(
        sigmoid_gaussian_uncertainty(mean, var, 'entropy'),
        entropy,
        rtol=0,
        atol=0.01)
    torch.testing.assert_close(
        sigmoid_gaussian_uncertainty(mean, var, 'mutual_information'),
        information,
        rtol=0,
        atol=0.005)
    no_noise = sigmoid_gaussian_uncertainty(mean, var, 'mutual_information')
    assert abs(float(no_noise[0, 0, 0])) < 1e-12
    with pytest.raises(ValueError, match='variance'):
        sigmoid_gaussian_uncertainty(mean, var, 'variance')


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_precision_stays_finite(dtype):
    plain, half_plain = _heads(seed=2)[0], _heads(seed=2)[0].to(dtype)
    feature = torch.randn(2, 16, 12, 12, generator=_generator(7)) * 300
    rates = dropout_schedule(5)
    with torch.no_grad():
        reference = propagate_moments(plain,
                                      *dropout_input_moments(feature, rates))
        half = propagate_moments(
            half_plain, *dropout_input_moments(feature.to(dtype), rates))
        with torch.autocast('cpu', dtype=torch.bfloat16):
            autocast = propagate_moments(
                plain, *dropout_input_moments(feature, rates))
            uncertainty = sigmoid_gaussian_uncertainty(*autocast,
                                                       'mutual_information')
            relu = relu_moments(feature.to(dtype), feature.to(dtype).abs())
    for mean, var in (half, autocast, relu):
        assert mean.dtype == var.dtype == torch.float32
        assert bool(torch.isfinite(mean).all() & torch.isfinite(var).all())
    # the moments are computed in float32 even under autocast
    torch.testing.assert_close(autocast, reference)
    # measured 0.0006 (float16) and 0.006 (bfloat16) on either
    torch.testing.assert_close(half[0], reference[0], rtol=0, atol=0.02)
    torch.testing.assert_close(half[1], reference[1], rtol=0.02, atol=0)
    assert bool(torch.isfinite(uncertainty).all())


@pytest.mark.parametrize('layer,name', [(nn.Sigmoid(), 'Sigmoid'),
                                        (nn.LayerNorm(4), 'LayerNorm')])
def test_unsupported_modules_are_named(layer, name):
    layers = [nn.Conv2d(2, 4, 1), layer]
    with pytest.raises(ValueError, match=name):
        propagate_moments(layers, torch.ones(1, 2, 3, 3),
                          torch.ones(1, 2, 3, 3))
    block = _ConvModule(nn.Conv2d(2, 2, 1), activate=nn.LeakyReLU())
    with pytest.raises(ValueError, match='LeakyReLU'):
        propagate_moments(block, torch.ones(1, 2, 3, 3),
                          torch.ones(1, 2, 3, 3))
