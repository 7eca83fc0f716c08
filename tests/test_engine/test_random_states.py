# Copyright (c) uet_mmdet authors. All rights reserved.
"""Random states survive a weights-only checkpoint and validation."""
import io
import random
from types import SimpleNamespace

import numpy as np
import torch

from uet_mmdet.engine import RandomStateHook
from uet_mmdet.engine.random_states import (capture_random_states,
                                            restore_random_states)


class _Estimator:
    """Holds a generator as UET's estimators do."""

    def __init__(self) -> None:
        self.generator = torch.Generator().manual_seed(5)

    def get_rng_state(self) -> dict:
        return {'cpu': self.generator.get_state()}

    def set_rng_state(self, states: dict) -> list:
        self.generator.set_state(states['cpu'])
        return []


def _draw(estimator: _Estimator) -> tuple:
    return (
        random.random(),
        float(np.random.rand()),
        np.random.normal(),  # leaves a cached Gaussian in numpy
        float(torch.rand(())),
        float(torch.rand((), generator=estimator.generator)))


def test_states_round_trip_through_a_weights_only_checkpoint():
    estimator = _Estimator()
    _draw(estimator)
    states = capture_random_states([estimator])
    expected = [_draw(estimator) for _ in range(3)]
    buffer = io.BytesIO()
    torch.save({'meta': {'random_states': [states]}}, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=True)['meta']['random_states']

    random.seed(99), np.random.seed(99), torch.manual_seed(99)
    fresh = _Estimator()
    assert restore_random_states(loaded[0], [fresh]) == []
    assert [_draw(fresh) for _ in range(3)] == expected


def test_a_missing_estimator_is_reported_not_guessed():
    states = capture_random_states([_Estimator()])
    assert restore_random_states(
        states, []) == ['1 generators of UET estimators (the model has 0)']


def test_validation_leaves_the_training_streams_as_it_found_them():
    estimator = _Estimator()
    distiller = SimpleNamespace(estimator=estimator)
    runner = SimpleNamespace(model=SimpleNamespace(distiller=distiller))
    hook = RandomStateHook()
    torch.manual_seed(3)
    without_val = float(torch.rand(()))
    masks = torch.Generator().manual_seed(5)
    masks_without_val = float(torch.rand((), generator=masks))
    torch.manual_seed(3)
    hook.before_val(runner)
    torch.rand(10), np.random.rand(4), torch.rand(
        3, generator=estimator.generator)
    # a best checkpoint written during validation holds the training state
    in_val = hook.checkpoint_states(runner)
    hook.after_val(runner)
    assert float(torch.rand(())) == without_val
    assert float(torch.rand((), generator=estimator.generator)) == (
        masks_without_val)
    torch.manual_seed(3)
    assert torch.equal(in_val['torch'], torch.get_rng_state())


class _EpochLoop(SimpleNamespace):

    def __init__(self) -> None:
        super().__init__(epoch=1, iter=3, dataloader=_Loader())


class _Loader(SimpleNamespace):
    num_workers = 0
    persistent_workers = False

    def __len__(self) -> int:
        return 3


def test_each_rank_continues_its_own_streams_at_the_next_epoch(monkeypatch):
    from uet_mmdet.engine.hooks import random_state_hook
    estimator = _Estimator()
    per_rank = []
    for rank in range(2):
        torch.manual_seed(rank)
        estimator.generator.manual_seed(10 + rank)
        per_rank.append(capture_random_states([estimator]))
    expected = (float(torch.rand(
        ())), float(torch.rand((), generator=estimator.generator)))

    monkeypatch.setattr(random_state_hook, 'get_rank', lambda: 1)
    monkeypatch.setattr(random_state_hook, 'get_world_size', lambda: 2)
    resumed = _Estimator()
    warnings = []
    runner = SimpleNamespace(
        model=SimpleNamespace(distiller=SimpleNamespace(estimator=resumed)),
        train_loop=_EpochLoop(),
        logger=SimpleNamespace(warning=warnings.append))
    hook = RandomStateHook()
    hook.resume(runner, per_rank)
    torch.manual_seed(7)  # e.g. a before_train hook drawing: overwritten
    hook.before_train_epoch(runner)
    assert (float(torch.rand(
        ())), float(torch.rand((), generator=resumed.generator))) == expected
    assert warnings == []


def test_a_cuda_mask_stream_without_cuda_is_skipped_and_said():
    from uet_mmdet.models.estimators.base import TeacherEstimator
    estimator = TeacherEstimator.__new__(TeacherEstimator)
    estimator._seed, estimator._generators = 1, {}
    state = torch.Generator().get_state()
    devices = torch.cuda.device_count()
    skipped = estimator.set_rng_state({'cpu': state, f'cuda:{devices}': state})
    assert skipped == [f'the UET mask stream on cuda:{devices}']
    assert torch.equal(estimator.generator('cpu').get_state(), state)
