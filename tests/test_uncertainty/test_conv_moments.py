# Copyright (c) uet_mmdet authors. All rights reserved.
"""Sampling-free layer-level moments against real K-sample MC dropout."""
import torch
from torch import nn

from uet_mmdet.uncertainty import (conv_mc_moments, dropout_samples,
                                   dropout_schedule, mc_moments,
                                   rank_correlation)
from ..helpers import rng


def _conv_and_input(seed=0):
    torch.manual_seed(seed)
    conv = nn.Conv2d(8, 6, 3, padding=1)
    inputs = torch.randn(2, 8, 7, 7).relu()  # FPN-like, non-negative parts
    return conv, inputs


@torch.no_grad()
def _real_mc(conv, inputs, rates, repeats, seed):
    """``repeats`` independent K-sample MC estimates: means and variances."""
    stacked = inputs.repeat(repeats, 1, 1, 1)
    samples = dropout_samples(stacked, rates, generator=rng(seed))
    outputs = conv(samples.flatten(0, 1)).unflatten(0, (len(rates), -1))
    mean, variance = mc_moments(outputs)
    return (mean.unflatten(0, (repeats, -1)),
            variance.unflatten(0, (repeats, -1)))


def test_layer_moments_match_k_sample_mc_in_mean_and_variance():
    conv, inputs = _conv_and_input()
    rates = dropout_schedule(5)
    output = conv(inputs).detach()
    mc_mean, mc_var = _real_mc(conv, inputs, rates, repeats=1500, seed=1)
    means, variances = zip(
        *(conv_mc_moments(conv, inputs, output, rates, generator=rng(seed))
          for seed in range(200)))
    means, variances = torch.stack(means), torch.stack(variances)
    # the variance is the expectation of the K-sample estimate, every draw
    assert torch.equal(variances[0], variances[-1])
    torch.testing.assert_close(
        variances[0], mc_var.mean(dim=0), rtol=0.08, atol=1e-3)
    # the mean is drawn with the MC mean's expectation and spread
    torch.testing.assert_close(
        means.mean(dim=0), mc_mean.mean(dim=0), rtol=0.05, atol=0.03)
    torch.testing.assert_close(
        means.var(dim=0), mc_mean.var(dim=0), rtol=0.2, atol=2e-3)


def test_layer_uncertainty_is_not_a_function_of_the_output():
    conv, inputs = _conv_and_input(3)
    output = conv(inputs).detach()
    _, variance = conv_mc_moments(conv, inputs, output, dropout_schedule(5))
    assert rank_correlation(output.abs(), variance) < 0.8
