# Copyright (c) uet_mmdet authors. All rights reserved.
"""UETHook's schedule on a stub runner (the log is tested in test_tools)."""
from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub
from mmrazor.registry import MODELS
from torch import nn

from uet_mmdet.engine import UETHook
from uet_mmdet.errors import ConfigError
from ..helpers import ToyDetector, toy_distiller_cfg, toy_uet


def _runner(uet, max_iters=20, iters_per_epoch=5):
    distiller = MODELS.build(toy_distiller_cfg(uet))
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
    runner = _runner(toy_uet())
    states = _walk(UETHook(start_iter=3, stop_epoch=3, anneal_to=0.5), runner)
    assert [active
            for active, _ in states] == [False] * 3 + [True] * 12 + [False] * 5
    factors = [factor for _, factor in states]
    assert factors[3] == 1.0 and factors[-1] == pytest.approx(0.5)
    assert all(a >= b for a, b in zip(factors, factors[1:]))
    hub = runner.message_hub
    assert hub.get_scalar('train/uet/active').current() == 0.0


def test_start_epoch():
    states = _walk(UETHook(start_epoch=2), _runner(toy_uet()))
    assert [active for active, _ in states] == [False] * 10 + [True] * 10


def test_uet_off_is_a_no_op_and_a_plain_distiller_is_an_error():
    runner = _runner(toy_uet(mode='off'))
    hook = UETHook()
    hook.before_train(runner)
    hook.before_train_iter(runner, 0)
    hook.after_train_iter(runner, 0)
    assert runner.message_hub.get_scalar('train/uet/active').current() == 0.0
    plain = SimpleNamespace(model=SimpleNamespace(distiller=nn.Identity()))
    with pytest.raises(ConfigError) as error:
        hook.before_train(plain)
    assert error.value.key == 'model.distiller'
    assert error.value.message == (
        'UETHook needs a distillation model whose distiller is a '
        'UETDistiller with uet settings, got Identity in SimpleNamespace')
    assert 'custom_hooks' in error.value.suggestion


@pytest.mark.parametrize('kwargs, key, message', [
    (dict(start_iter=-1), 'start_iter', 'must be >= 0, got -1'),
    (dict(start_epoch=-2), 'start_epoch', 'must be >= 0, got -2'),
    (dict(start_epoch=2,
          stop_epoch=2), 'stop_epoch', '(2) must be after start_epoch (2)'),
    (dict(anneal_to=-1), 'anneal_to', 'must be >= 0, got -1'),
])
def test_bad_schedule_is_a_config_error_naming_the_argument(
        kwargs, key, message):
    with pytest.raises(ConfigError) as error:
        UETHook(**kwargs)
    assert error.value.key == f'custom_hooks.UETHook.{key}'
    assert error.value.message == message
    assert str(error.value) == f'custom_hooks.UETHook.{key}: {message}'


def test_annealing_past_a_rate_of_one_is_refused_before_training():
    runner = _runner(toy_uet(p0=0.3, delta=0.1, num_samples=3))  # max 0.5
    UETHook(anneal_to=1.9).before_train(runner)
    with pytest.raises(ConfigError) as error:
        UETHook(anneal_to=2.0).before_train(runner)
    assert error.value.key == 'custom_hooks.UETHook.anneal_to'
    assert error.value.message == (
        '2.0 takes the largest dropout rate 0.5 to 1; rates must stay '
        'below 1')
    assert error.value.suggestion == 'anneal_to < 2'
