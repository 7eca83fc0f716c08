# Copyright (c) uet_mmdet authors. All rights reserved.
"""Confidence maps: float32 whatever the input, against float64 references.
"""
import math

import pytest
import torch
from torch.special import entr

from uet_mmdet.uncertainty.maps import (floored, mean_one_weights,
                                        rank_confidence, relative_confidence,
                                        sigmoid_mutual_information,
                                        sigmoid_predictive_entropy)

# (dtype, scale): tiny and huge values each low precision dtype can hold;
# 1e38 overflows a float32 sum of the 20 locations below
SCALES = [(torch.bfloat16, 1e-30), (torch.bfloat16, 1e30),
          (torch.bfloat16, 1e38), (torch.float16, 1e-7), (torch.float16, 6e4),
          (torch.float32, 1.0)]


def _low_precision(dtype, scale, shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=generator) * scale).to(dtype)


def _logits(dtype, scale):
    generator = torch.Generator().manual_seed(1)
    shape = (5, 2, 3, 4, 5)
    signs = torch.randn(shape, generator=generator).sign()
    magnitudes = torch.rand(shape, generator=generator) / 2 + 0.5
    return (signs * magnitudes * scale).to(dtype)


def _entropy64(prob):
    return entr(prob) + entr(1 - prob)


def _check(result, expected, low=0.0, high=math.inf):
    assert result.dtype == torch.float32
    assert torch.isfinite(result).all()
    assert ((result >= low) & (result <= high)).all()
    torch.testing.assert_close(result.double(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('autocast', [False, True])
@pytest.mark.parametrize('dtype,scale', SCALES)
def test_entropy_and_mutual_information_match_float64(dtype, scale, autocast):
    logits = _logits(dtype, scale)
    prob = torch.sigmoid(logits.double())
    entropy = _entropy64(prob.mean(dim=0)).sum(dim=1)
    expected_info = entropy - _entropy64(prob).mean(dim=0).sum(dim=1)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
        total = sigmoid_predictive_entropy(logits)
        info = sigmoid_mutual_information(logits)
    classes = logits.shape[2]
    _check(total, entropy, high=classes * math.log(2) + 1e-6)
    _check(info, expected_info.clamp(min=0), high=classes * math.log(2))


def test_saturated_float32_logits_give_finite_entropy():
    """Probabilities that round to 1 used to give ``0 * log(0)``."""
    logits = torch.tensor([20., 40., 100., -100.]).view(4, 1, 1, 1, 1)
    prob = torch.sigmoid(logits.double())
    torch.testing.assert_close(
        sigmoid_predictive_entropy(logits).double(),
        _entropy64(prob.mean(dim=0)).sum(dim=1))
    for k in range(4):
        assert sigmoid_predictive_entropy(logits[k:k + 1]).item() < 1e-6


@pytest.mark.parametrize('autocast', [False, True])
@pytest.mark.parametrize('dtype,scale', SCALES)
def test_relative_confidence_matches_float64(dtype, scale, autocast):
    uncertainty = _low_precision(dtype, scale, (2, 4, 5))
    wide = uncertainty.double()
    expected = torch.exp(-wide / (0.5 * wide.mean(dim=(1, 2), keepdim=True)))
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
        result = relative_confidence(uncertainty, tau=0.5)
    _check(result, expected, high=1.0)


@pytest.mark.parametrize('dtype,scale', SCALES)
def test_mean_one_weights_match_float64(dtype, scale):
    confidence = _low_precision(dtype, scale, (2, 4, 5), seed=2)
    wide = confidence.double()
    expected = wide / wide.mean(dim=(1, 2), keepdim=True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        result = mean_one_weights(confidence)
    _check(result, expected, high=20.0)


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_all_zero_maps_are_fully_confident_with_unit_weights(dtype):
    zeros = torch.zeros(2, 3, 3, dtype=dtype)
    ones = torch.ones(2, 3, 3, dtype=torch.float32)
    assert torch.equal(relative_confidence(zeros), ones)
    assert torch.equal(mean_one_weights(zeros), ones)
    # an all-zero image beside a normal one
    mixed = torch.stack([zeros[0], torch.rand(3, 3).to(dtype) + 0.1])
    assert torch.equal(relative_confidence(mixed)[0], ones[0])
    assert torch.equal(mean_one_weights(mixed)[0], ones[0])
    torch.testing.assert_close(
        mean_one_weights(mixed)[1].mean(), torch.tensor(1.0))


def _rank_reference(uncertainty):
    """1 - average rank / (M - 1) by counting, image by image."""
    n = uncertainty.shape[0]
    values = uncertainty.double().view(n, -1).tolist()
    result = []
    for image in values:
        count = len(image)
        row = []
        for value in image:
            below = sum(other < value for other in image)
            equal = sum(other == value for other in image)
            rank = below + (equal - 1) / 2
            row.append(1.0 if count == 1 else 1 - rank / (count - 1))
        result.append(row)
    return torch.tensor(result, dtype=torch.float64).view(uncertainty.shape)


@pytest.mark.parametrize(
    'dtype', [torch.float32, torch.bfloat16, torch.float16, torch.float64])
def test_rank_confidence_matches_counting(dtype):
    torch.manual_seed(3)
    # small integers: distinct in every dtype
    distinct = torch.stack([torch.randperm(12) for _ in range(2)])
    distinct = distinct.view(2, 3, 4).to(dtype)
    tied = torch.randint(0, 4, (3, 2, 5)).to(dtype)
    for uncertainty in (distinct, tied, torch.zeros(2, 2, 2, dtype=dtype)):
        result = rank_confidence(uncertainty)
        assert result.dtype == torch.float32
        torch.testing.assert_close(result.double(),
                                   _rank_reference(uncertainty))
    result = rank_confidence(distinct)
    for image in range(2):
        flat = result[image].flatten()
        order = distinct[image].flatten().argsort()
        assert flat[order[0]] == 1.0 and flat[order[-1]] == 0.0
    single = torch.tensor([[[5.0]], [[0.0]]], dtype=dtype)
    assert torch.equal(rank_confidence(single), torch.ones(2, 1, 1))


@pytest.mark.parametrize('floor', [0.0, 0.25, 0.9])
def test_floored_matches_elementwise_formula(floor):
    torch.manual_seed(4)
    confidence = torch.rand(2, 3, 4)
    expected = torch.tensor([
        floor + (1 - floor) * value for value in confidence.flatten().tolist()
    ]).view(2, 3, 4)
    torch.testing.assert_close(floored(confidence, floor), expected)
    half = floored(confidence.half(), floor)
    assert half.dtype == torch.float32
    assert (half >= floor).all() and (half <= 1).all()


@pytest.mark.parametrize('floor', [-0.1, 1.0, 1.5])
def test_floored_rejects_floors_outside_zero_one(floor):
    with pytest.raises(ValueError, match='floor'):
        floored(torch.rand(1, 2, 2), floor)
