# Copyright (c) uet_mmdet authors. All rights reserved.
"""UETHook's schedule on a stub runner (the log is tested in test_tools)."""
from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub
from mmrazor.registry import MODELS
from torch import nn

from uet_mmdet.engine import UETHook
from ..test_models.test_uet_distiller import ToyDetector, _distiller_cfg, _uet


def _runner(uet, max_iters=20, iters_per_epoch=5):
    distiller = MODELS.build(_distiller_cfg(uet))
    distiller.prepare_from_teacher(ToyDetector())
    distiller.prepare_from_student(ToyDetector())
    return SimpleNamespace(
        model=SimpleNamespace(distiller=distiller),
        iter=0,
        epoch=0,
        max_iters=max_iters,
        train_dataloader=[None] * iters_per_epoch,
        message_hub=MessageHub.get_instance('uet_hook_test'))


def _walk(hook, runner):
    """(active, rate factor) for every iteration."""
    states = []
    for it in range(runner.max_iters):
        runner.iter, runner.epoch = it, it // len(runner.train_dataloader)
        hook.before_train_iter(runner, it)
        hook.after_train_iter(runner, it)
        states.append((runner.model.distiller.uet_active,
                       runner.model.distiller.estimator.rate_factor))
    return states


def test_warm_up_stop_epoch_and_annealing():
    runner = _runner(_uet())
    states = _walk(
        UETHook(start_iter=3, stop_epoch=3, anneal_to=0.5), runner)
    assert [active for active, _ in states] == [False] * 3 + [True] * 12 + [
        False
    ] * 5
    factors = [factor for _, factor in states]
    assert factors[3] == 1.0 and factors[-1] == pytest.approx(0.5)
    assert all(a >= b for a, b in zip(factors, factors[1:]))
    hub = runner.message_hub
    assert hub.get_scalar('train/uet/active').current() == 0.0


def test_start_epoch():
    states = _walk(UETHook(start_epoch=2), _runner(_uet()))
    assert [active for active, _ in states] == [False] * 10 + [True] * 10


def test_uet_off_is_a_no_op_and_a_plain_distiller_is_an_error():
    runner = _runner(_uet(mode='off'))
    hook = UETHook()
    hook.before_train(runner)
    hook.before_train_iter(runner, 0)
    hook.after_train_iter(runner, 0)
    assert runner.message_hub.get_scalar(
        'train/uet/active').current() == 0.0
    plain = SimpleNamespace(model=SimpleNamespace(distiller=nn.Identity()))
    with pytest.raises(RuntimeError, match='UETDistiller with uet settings'):
        hook.before_train(plain)


def test_bad_schedule_is_rejected():
    with pytest.raises(ValueError, match='stop_epoch'):
        UETHook(start_epoch=2, stop_epoch=2)
    with pytest.raises(ValueError, match='anneal_to'):
        UETHook(anneal_to=-1)


def test_annealing_past_a_rate_of_one_is_refused_before_training():
    runner = _runner(_uet(p0=0.3, delta=0.1, num_samples=3))  # largest 0.5
    UETHook(anneal_to=1.9).before_train(runner)
    with pytest.raises(ValueError, match=r'anneal_to < 2'):
        UETHook(anneal_to=2.0).before_train(runner)
