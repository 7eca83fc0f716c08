# Copyright (c) uet_mmdet authors. All rights reserved.
"""Every rank of a distributed run draws its own dropout masks."""
from unittest import mock

import torch

from uet_mmdet.models.estimators import FeatureDropout
from uet_mmdet.models.uet import UETSettings

FEATURE = torch.randn(1, 8, 6, 6, generator=torch.Generator().manual_seed(0))


def _estimator(rank: int) -> FeatureDropout:
    """A feature-level estimator built on ``rank`` after the run's seed."""
    torch.manual_seed(42)
    settings = UETSettings.from_config(
        dict(level='feature', measure='variance'))
    with mock.patch(
            'uet_mmdet.models.estimators.base.get_rank', return_value=rank):
        return FeatureDropout(settings, lambda recorder, idx: FEATURE, {})


def _masks_mean(estimator: FeatureDropout) -> torch.Tensor:
    estimator.reset()
    return estimator.estimate('fpn0').mc_mean


def test_each_rank_draws_its_own_masks_and_reproduces_them():
    rank0, rank1 = _estimator(0), _estimator(1)
    seeds = [
        estimator.generator(torch.device('cpu')).initial_seed()
        for estimator in (rank0, rank1)
    ]
    assert seeds[0] != seeds[1]
    first0, first1 = _masks_mean(rank0), _masks_mean(rank1)
    assert not torch.equal(first0, first1)
    # one rank's stream moves on between draws and restarts with the seed
    assert not torch.equal(_masks_mean(rank0), first0)
    assert torch.equal(_masks_mean(_estimator(0)), first0)
    assert torch.equal(_masks_mean(_estimator(1)), first1)


def test_rank_zero_keeps_the_single_process_stream():
    torch.manual_seed(42)
    settings = UETSettings.from_config(
        dict(level='feature', measure='variance'))
    single = FeatureDropout(settings, lambda recorder, idx: FEATURE, {})
    # the run's seed + 0x5EED, as before ranks had streams of their own: the
    # benchmark tables' runs draw the same masks
    assert single.generator(torch.device('cpu')).initial_seed() == 42 + 0x5EED
    assert torch.equal(_masks_mean(single), _masks_mean(_estimator(0)))
