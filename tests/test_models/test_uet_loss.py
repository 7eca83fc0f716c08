# Copyright (c) uet_mmdet authors. All rights reserved.
"""UETLoss around every registered host (each adapter's example configs):
off == host, weights, residual target."""
import inspect

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData
from mmrazor.registry import MODELS

from uet_mmdet.models.hosts import EXAMPLE_CHANNELS, HOST_ADAPTERS
from uet_mmdet.models.losses import UETLoss
from uet_mmdet.models.uet import UETConfigError
from uet_mmdet.uncertainty import UncertaintyEstimate, mean_one_weights

N, C, H, W = 2, EXAMPLE_CHANNELS, 6, 5
EXAMPLES = HOST_ADAPTERS.examples()


def _samples():
    samples = []
    for boxes in ([[4, 4, 30, 40]], [[0, 0, 12, 12], [20, 8, 60, 44]]):
        sample = DetDataSample(
            metainfo=dict(img_shape=(48, 64), batch_input_shape=(48, 64)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            labels=torch.zeros(len(boxes), dtype=torch.long))
        samples.append(sample)
    return samples


def _build(name):
    torch.manual_seed(0)
    return MODELS.build(dict(EXAMPLES[name], _scope_='mmrazor'))


def _inputs(host):
    """Student and teacher features, and data samples for a host that takes
    them (FGD)."""
    torch.manual_seed(1)
    adapter = HOST_ADAPTERS.get(host)
    kwargs = {
        adapter.student_arg: torch.randn(N, C, H, W, requires_grad=True),
        adapter.teacher_arg: torch.randn(N, C, H, W),
    }
    if 'data_samples' in inspect.signature(host.forward).parameters:
        kwargs['data_samples'] = _samples()
    return kwargs


def _total(loss):
    return sum(loss.values()) if isinstance(loss, dict) else loss


def _estimate(teacher, confidence=None):
    confidence = (torch.ones(N, H, W) if confidence is None else confidence)
    return UncertaintyEstimate(teacher.clone(), torch.zeros(N, H, W),
                               confidence)


def test_every_registered_host_has_an_example_of_its_adapter():
    covered = set()
    for _, adapter in HOST_ADAPTERS:
        for config in adapter.examples.values():
            host_class = MODELS.get(config['type'])
            assert HOST_ADAPTERS.get(host_class) is adapter
            covered.add(host_class)
    assert covered == {host_class for host_class, _ in HOST_ADAPTERS}


@pytest.mark.parametrize('name', sorted(EXAMPLES))
@pytest.mark.parametrize('mode', ['off', 'both'])
def test_uet_off_or_without_estimate_is_exactly_the_host(name, mode):
    host = _build(name)
    wrapped = UETLoss(host, mode=mode)
    kwargs = _inputs(host)
    expected = host(**kwargs)
    teacher = kwargs[wrapped.teacher_arg]
    got = wrapped(**kwargs) if mode == 'both' else wrapped(
        uncertainty=_estimate(teacher), **kwargs)
    if isinstance(expected, dict):
        assert expected.keys() == got.keys()
        for key in expected:
            assert torch.equal(expected[key], got[key])
    else:
        assert torch.equal(expected, got)


@pytest.mark.parametrize('name', sorted(EXAMPLES))
def test_weight_mode_with_equal_confidence_reproduces_the_host(name):
    host = _build(name)
    wrapped = UETLoss(host, mode='weight')
    kwargs = _inputs(host)
    teacher = kwargs[wrapped.teacher_arg]
    # any constant confidence becomes weight 1 after the mean-one rescaling
    estimate = _estimate(teacher, torch.full((N, H, W), 0.3))
    torch.testing.assert_close(
        _total(wrapped(uncertainty=estimate, **kwargs)),
        _total(host(**kwargs)))


@pytest.mark.parametrize('name', sorted(EXAMPLES))
def test_weight_mode_shifts_the_loss_to_confident_locations(name):
    """With confidence on one half only, the loss changes, and is the
    adapter's on the mean-one weights of that confidence."""
    host = _build(name)
    kwargs = _inputs(host)
    teacher = kwargs[HOST_ADAPTERS.get(host).teacher_arg]
    confidence = torch.full((N, H, W), 1e-6)
    confidence[:, :, :2] = 1.0
    wrapped = UETLoss(host, mode='weight')
    weighted = _total(
        wrapped(uncertainty=_estimate(teacher, confidence), **kwargs))
    plain = _total(host(**kwargs))
    assert not torch.allclose(weighted, plain)
    # UETLoss hands the adapter the mean-one weights of the confidence (the
    # adapters' arithmetic: tests/test_models/test_host_adapters.py)
    weights = mean_one_weights(confidence)
    adapter = HOST_ADAPTERS.get(host)
    reference = _total(adapter.weighted(host, weights, **kwargs))
    torch.testing.assert_close(weighted, reference)


def test_weights_average_one_per_image():
    confidence = torch.rand(3, 7, 9) + 0.01
    weights = mean_one_weights(confidence)
    torch.testing.assert_close(weights.mean(dim=(1, 2)), torch.ones(3))
    assert torch.allclose(weights / confidence,
                          (weights / confidence)[:, :1, :1])


@pytest.mark.parametrize('name', sorted(EXAMPLES))
def test_residual_mode_replaces_the_teacher_target(name):
    host = _build(name)
    kwargs = _inputs(host)
    teacher_arg = HOST_ADAPTERS.get(host).teacher_arg
    teacher = kwargs[teacher_arg]
    mc_mean = teacher + torch.randn_like(teacher)
    estimate = UncertaintyEstimate(mc_mean, torch.zeros(N, H, W),
                                   torch.ones(N, H, W))
    for scale, target in (('sum', teacher + mc_mean),
                          ('mean', (teacher + mc_mean) / 2)):
        wrapped = UETLoss(host, mode='residual', residual_scale=scale)
        got = _total(wrapped(uncertainty=estimate, **kwargs))
        expected = _total(host(**dict(kwargs, **{teacher_arg: target})))
        torch.testing.assert_close(got, expected)
        ratio = target.norm() / teacher.norm()
        torch.testing.assert_close(wrapped.stats['norm_ratio'], ratio)
    # the literal sum doubles a feature whose MC mean equals it
    same = UncertaintyEstimate(teacher, torch.zeros(N, H, W),
                               torch.ones(N, H, W))
    wrapped = UETLoss(host, mode='residual', residual_scale='mean')
    torch.testing.assert_close(
        _total(wrapped(uncertainty=same, **kwargs)), _total(host(**kwargs)))


def test_both_mode_is_residual_then_weight():
    host = _build('MGDLoss')
    kwargs = _inputs(host)
    teacher = kwargs['preds_T']
    mc_mean = torch.randn_like(teacher)
    confidence = torch.rand(N, H, W) + 0.1
    estimate = UncertaintyEstimate(mc_mean, torch.zeros(N, H, W), confidence)
    both = UETLoss(host, mode='both', residual_scale='mean')
    expected = HOST_ADAPTERS.get(host).weighted(host,
                                                mean_one_weights(confidence),
                                                kwargs['preds_S'],
                                                (teacher + mc_mean) / 2)
    torch.testing.assert_close(both(uncertainty=estimate, **kwargs), expected)
    assert set(both.stats) == {'norm_ratio', 'downweighted'}


def test_gradient_reaches_the_student_only():
    host = _build('FGDLoss')
    kwargs = _inputs(host)
    kwargs['preds_T'].requires_grad_(True)
    estimate = UncertaintyEstimate(kwargs['preds_T'].detach() * 0.5,
                                   torch.zeros(N, H, W), torch.rand(N, H, W))
    _total(UETLoss(host, mode='both')(uncertainty=estimate,
                                      **kwargs)).backward()
    assert kwargs['preds_S'].grad is not None
    assert kwargs['preds_T'].grad is None


def test_unknown_host_and_bad_mode_fail_clearly():
    with pytest.raises(UETConfigError, match='cannot wrap host loss') as error:
        UETLoss(dict(type='KLDivergence', _scope_='mmrazor'))
    assert error.value.key == 'host.type'
    assert str(HOST_ADAPTERS.names()) in str(error.value)
    with pytest.raises(UETConfigError, match='mode: must be one of'):
        UETLoss(dict(type='PKDLoss', _scope_='mmrazor'), mode='weights')
    with pytest.raises(UETConfigError, match='residual_scale'):
        UETLoss(dict(type='PKDLoss', _scope_='mmrazor'), residual_scale='half')
