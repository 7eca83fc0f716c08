# Copyright (c) uet_mmdet authors. All rights reserved.
"""The host adapter registry, and each adapter's arithmetic against closed
forms computed here in float64: the weighted loss, its gradient, its
optimum and its range under features of extreme magnitude."""
import pytest
import torch
from mmrazor.registry import MODELS

from uet_mmdet.models.hosts import HOST_ADAPTERS, HostAdapter
from uet_mmdet.models.hosts import HostAdapterRegistry as Registry
from uet_mmdet.models.uet import UETConfigError

TAU = 2.0
N, C, H, W = 2, 3, 4, 5


def _host(**config):
    return MODELS.build(dict(config, _scope_='mmrazor'))


def _features(scale=1.0, seed=0, channels=C):
    generator = torch.Generator().manual_seed(seed)
    student = torch.randn(N, channels, H, W, generator=generator) * scale
    teacher = torch.randn(N, channels, H, W, generator=generator) * scale
    weight = torch.rand(N, H, W, generator=generator) * 2
    return student.requires_grad_(True), teacher, weight


def _weighted_squares(diff, weight):
    """``sum_{n,c,h,w} weight[n,h,w] * diff[n,c,h,w]**2`` by a loop over the
    locations, in float64."""
    total = torch.zeros((), dtype=torch.float64)
    for n in range(diff.shape[0]):
        for h in range(diff.shape[2]):
            for w in range(diff.shape[3]):
                squares = diff[n, :, h, w].double().pow(2).sum()
                total += weight[n, h, w].double() * squares
    return total


# the registry


class Parent(torch.nn.Module):

    def forward(self, preds_S, preds_T):
        return (preds_S - preds_T).sum()


class Child(Parent):
    pass


def test_a_subclass_gets_its_base_adapter_unless_it_registers_its_own():
    registry = Registry()

    @registry.register(Parent)
    class ParentAdapter(HostAdapter):
        pass

    assert isinstance(registry.get(Child()), ParentAdapter)

    @registry.register(Child)
    class ChildAdapter(HostAdapter):
        pass

    assert isinstance(registry.get(Child), ChildAdapter)
    assert isinstance(registry.get(Parent()), ParentAdapter)
    assert registry.names() == ['Child', 'Parent']


def test_registering_a_host_twice_fails():
    registry = Registry()
    registry.register(Parent)(HostAdapter)
    with pytest.raises(KeyError, match='Parent'):
        registry.register(Parent)(HostAdapter)


def test_mmrazor_subclasses_resolve_to_the_mmrazor_adapter():
    pkd_loss = MODELS.get('PKDLoss')

    class MyPKD(pkd_loss):
        pass

    assert HOST_ADAPTERS.get(MyPKD()) is HOST_ADAPTERS.get(pkd_loss)


def test_an_unknown_host_names_the_supported_ones():
    with pytest.raises(UETConfigError) as error:
        Registry().get(Parent())
    assert error.value.key == 'type'
    assert 'cannot wrap host loss Parent' in str(error.value)
    with pytest.raises(UETConfigError) as error:
        HOST_ADAPTERS.get(torch.nn.MSELoss)
    for name in ('FGDLoss', 'PKDLoss', 'L2Loss', 'MGDLoss'):
        assert name in str(error.value)


# the adapters that call MMRazor's loss: MGD, L2 without normalize

MSE_CASES = {
    'MGDLoss': (dict(type='MGDLoss', alpha_mgd=0.5), lambda s: 0.5 / N),
    'L2Loss': (dict(type='L2Loss', normalize=False,
                    loss_weight=3.0), lambda s: 3.0 / N),
    'L2Loss-div_element':
    (dict(type='L2Loss', normalize=False,
          div_element=True), lambda s: 1.0 / s.numel()),
}


@pytest.mark.parametrize('name', sorted(MSE_CASES))
def test_weighted_squares_and_their_gradient(name):
    config, factor = MSE_CASES[name]
    host = _host(**config)
    adapter = HOST_ADAPTERS.get(host)
    student, teacher, weight = _features()
    loss = adapter.weighted(host, weight, student, teacher)
    loss.backward()
    diff = (student - teacher).detach().double()
    expected = _weighted_squares(diff, weight) * factor(student)
    # float32 against float64
    torch.testing.assert_close(loss.double(), expected, rtol=1e-5, atol=0)
    grad = 2 * factor(student) * weight.double().unsqueeze(1) * diff
    torch.testing.assert_close(
        student.grad.double(), grad, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize('scale', [1.0, 1e30, 1e-30])
def test_weighted_distance_fits_wherever_the_distance_does(scale):
    """float32 features of 1e30 (squares beyond float32) or 1e-30 (squares
    below it): the distance is exact still."""
    host = _host(type='L2Loss', normalize=False, dist=True, loss_weight=2.0)
    student, teacher, weight = _features(scale)
    loss = HOST_ADAPTERS.get(host).weighted(host, weight, student, teacher)
    diff = (student - teacher).detach().double()
    expected = 2.0 * _weighted_squares(diff, weight).sqrt()
    torch.testing.assert_close(loss.double(), expected, rtol=1e-5, atol=0)


@pytest.mark.parametrize('scale', [1.0, 1e30, 1e-30])
@pytest.mark.parametrize('dist', [False, True])
def test_weighted_normalized_l2(dist, scale):
    host = _host(type='L2Loss', normalize=True, mult=2.0, dist=dist)
    student, teacher, weight = _features(scale)
    loss = HOST_ADAPTERS.get(host).weighted(host, weight, student, teacher)

    def normalized(feature):
        flat = feature.detach().double().flatten(1)
        return (flat / flat.norm(dim=1, keepdim=True) * 2.0).view(N, C, H, W)

    squares = _weighted_squares(
        normalized(student) - normalized(teacher), weight)
    expected = squares.sqrt() if dist else squares / N
    torch.testing.assert_close(loss.double(), expected, rtol=1e-5, atol=0)


@pytest.mark.parametrize('config', [
    dict(type='MGDLoss', alpha_mgd=0.5),
    dict(type='L2Loss', normalize=False),
    dict(type='DenseKDLoss', tau=2.0),
    dict(type='DenseLDLoss', reg_max=3),
])
def test_a_location_of_weight_zero_does_not_count(config):
    """For hosts whose loss is a sum over locations."""
    host = _host(**config)
    adapter = HOST_ADAPTERS.get(host)
    student, teacher, weight = _features(channels=16)
    student = student.detach()
    weight[..., 2:] = 0
    moved = student.clone()
    moved[..., 2:] += 5.0

    def weighted(student):
        return adapter.weighted(
            host, weight, **{
                adapter.student_arg: student,
                adapter.teacher_arg: teacher
            })

    loss = weighted(student)
    torch.testing.assert_close(weighted(moved), loss)
    assert loss > 0


def test_pkd_weights_the_standardised_squares():
    host = _host(type='PKDLoss', loss_weight=6.0)
    student, teacher, weight = _features(seed=3)
    loss = HOST_ADAPTERS.get(host).weighted(host, weight, student, teacher)

    def standardised(feature):
        feature = feature.detach().double()
        mean = feature.mean(dim=(0, 2, 3), keepdim=True)
        count = feature.numel() / feature.shape[1]
        std = ((feature - mean)**2).sum(
            dim=(0, 2, 3), keepdim=True).div(count - 1).sqrt()
        return (feature - mean) / (std + 1e-6)

    squares = _weighted_squares(
        standardised(student) - standardised(teacher), weight)
    expected = squares / student.numel() / 2 * 6.0
    torch.testing.assert_close(loss.double(), expected, rtol=1e-5, atol=0)


# CWD: a generalised KL, so the optimum stays q = p


def _cwd_host():
    return _host(type='ChannelWiseDivergence', tau=TAU, loss_weight=3.0)


def _spatial_softmax(logits):
    n, c, h, w = logits.shape
    return torch.softmax(logits.view(n, c, h * w) / TAU, dim=2)


def _fit_student(loss_fn, teacher, steps=600):
    student = torch.zeros_like(teacher, requires_grad=True)
    optimizer = torch.optim.Adam([student], lr=0.05)
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(student).backward()
        optimizer.step()
    return _spatial_softmax(student.detach())


def test_weight_one_is_mmrazor_cwd():
    torch.manual_seed(0)
    host = _cwd_host()
    student, teacher = torch.randn(2, 5, 4, 3), torch.randn(2, 5, 4, 3)
    weighted = HOST_ADAPTERS.get(host).weighted
    torch.testing.assert_close(
        weighted(host, torch.ones(2, 4, 3), student, teacher),
        host(student, teacher))


def test_weighted_cwd_is_minimised_by_the_teacher_distribution():
    torch.manual_seed(1)
    host = _cwd_host()
    teacher = torch.randn(1, 2, 3, 3) * 2
    weight = torch.rand(1, 3, 3) * 2.5 + 0.2
    p = _spatial_softmax(teacher)
    weighted = HOST_ADAPTERS.get(host).weighted
    q = _fit_student(lambda s: weighted(host, weight, s, teacher), teacher)
    assert (q - p).abs().max() < 1e-3

    def kl_times_weight(student):
        log_q = torch.log(_spatial_softmax(student))
        return (weight.view(1, 1, 9) * p * (p.log() - log_q)).sum()

    q_old = _fit_student(kl_times_weight, teacher)
    wp = weight.view(1, 1, 9) * p
    tilted = wp / wp.sum(dim=2, keepdim=True)
    assert (q_old - tilted).abs().max() < 1e-3
    assert (tilted - p).abs().max() > 0.05
