# Copyright (c) uet_mmdet authors. All rights reserved.
"""UETDistiller on toy detectors: estimates, stats, switches, bad configs."""

import pytest
import torch
from mmrazor.registry import MODELS

from uet_mmdet.models.uet import UETConfigError, UETSettings
from uet_mmdet.registry import ESTIMATORS
from ..helpers import ToyDetector, toy_distiller_cfg, toy_uet


def _setup(cfg, seed=0):
    torch.manual_seed(seed)
    teacher, student = ToyDetector(), ToyDetector()
    distiller = MODELS.build(cfg)
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    return distiller, teacher, student


def _losses(distiller, teacher, student, seed=0):
    torch.manual_seed(100)
    images = torch.randn(2, 3, 12, 12)
    with distiller.teacher_recorders, torch.no_grad():
        teacher(images)
    with distiller.student_recorders:
        student(images)
    torch.manual_seed(seed)
    return distiller.compute_distill_losses()


def test_uet_off_or_k_zero_gives_the_host_losses_exactly():
    plain = _losses(*_setup(toy_distiller_cfg()))
    for uet in (toy_uet(mode='off'), toy_uet(mode='off', num_samples=0)):
        losses = _losses(*_setup(toy_distiller_cfg(uet)))
        assert losses.keys() == plain.keys()
        for key in plain:
            assert torch.equal(losses[key], plain[key])


def test_uet_off_keeps_the_host_modules_so_checkpoints_load_both_ways():
    fgd = dict(
        type='FGDLoss',
        student_channels=8,
        teacher_channels=8,
        alpha_fgd=0.1,
        beta_fgd=0.05,
        gamma_fgd=0.1,
        lambda_fgd=0.01)
    args = ('preds_S', 'preds_T')

    def keys(uet=None):
        return list(
            MODELS.build(toy_distiller_cfg(uet, fgd, args)).state_dict())

    plain = keys()
    assert plain and all('.host.' not in key for key in plain)
    assert keys(toy_uet(mode='off')) == plain
    host_keys = [
        key.replace('loss_mse_fpn0.',
                    'loss_mse_fpn0.host.').replace('loss_mse_fpn1.',
                                                   'loss_mse_fpn1.host.')
        for key in plain
    ]
    assert keys(toy_uet()) == host_keys
    # a checkpoint with wrapped losses loads into mode='off' (strict)
    on = MODELS.build(toy_distiller_cfg(toy_uet(), fgd, args))
    for param in on.parameters():
        torch.nn.init.uniform_(param)
    off = MODELS.build(toy_distiller_cfg(toy_uet(mode='off'), fgd, args))
    off.load_state_dict(on.state_dict())
    for key, value in off.state_dict().items():
        wrapped = key.replace('loss_mse_fpn0.', 'loss_mse_fpn0.host.').replace(
            'loss_mse_fpn1.', 'loss_mse_fpn1.host.')
        assert torch.equal(value, on.state_dict()[wrapped])


def test_uet_changes_the_losses_and_reports_statistics():
    plain = _losses(*_setup(toy_distiller_cfg()))
    distiller, teacher, student = _setup(toy_distiller_cfg(toy_uet()))
    losses = _losses(distiller, teacher, student)
    assert not torch.allclose(losses['loss_mse_fpn0'], plain['loss_mse_fpn0'])
    stats = distiller.uet_stats
    for level in range(2):
        for stat in ('sigma', 'norm_ratio', 'downweighted'):
            assert f'uet/mse_fpn{level}/{stat}' in stats
    assert float(stats['uet/mse_fpn0/sigma']) > 0
    # switched off (warm-up): the host again
    distiller.uet_active = False
    off = _losses(distiller, teacher, student)
    assert torch.equal(off['loss_mse_fpn0'], plain['loss_mse_fpn0'])
    assert distiller.uet_stats == {}


def test_the_seed_at_build_time_decides_the_masks():
    # the Runner seeds torch before it builds the model; UET's own stream
    # follows that seed, whatever the host draws from torch's afterwards
    first = _losses(*_setup(toy_distiller_cfg(toy_uet())), seed=1)
    again = _losses(*_setup(toy_distiller_cfg(toy_uet())), seed=2)
    assert torch.equal(first['loss_mse_fpn0'], again['loss_mse_fpn0'])
    distiller, teacher, student = _setup(toy_distiller_cfg(toy_uet()))
    distiller.estimator.manual_seed(5)
    other = _losses(distiller, teacher, student, seed=1)
    assert not torch.equal(first['loss_mse_fpn0'], other['loss_mse_fpn0'])


def test_module_estimate_is_the_batched_rerun_and_leaves_the_teacher_alone():
    distiller, teacher, student = _setup(toy_distiller_cfg(toy_uet()))
    teacher.train()
    losses = _losses(distiller, teacher, student)
    sum(losses.values()).backward()
    assert all(p.grad is None for p in teacher.parameters())
    assert all(p.grad is not None for p in student.neck.parameters())
    assert teacher.training and teacher.neck.training
    estimate = distiller.estimator.estimate('fpn1')
    recorded = distiller.get_record('fpn1', False)
    assert estimate.mc_mean.shape == recorded.shape
    assert estimate.uncertainty.shape == (2, 6, 6)
    assert ((estimate.confidence > 0) & (estimate.confidence <= 1)).all()
    # K=4 samples of the neck on dropped-out backbone outputs
    assert not torch.allclose(estimate.mc_mean, recorded)


def test_feature_level_estimates_the_recorded_tensor():
    distiller, teacher, student = _setup(
        toy_distiller_cfg(
            toy_uet(level='feature', mode='residual', rate=0.2,
                    num_samples=6)))
    _losses(distiller, teacher, student)
    recorded = distiller.get_record('fpn0', False)
    estimate = distiller.estimator.estimate('fpn0')
    assert estimate.mc_mean.shape == recorded.shape
    # every sample keeps or drops the element: mean = f * kept / (K (1-p))
    ratio = estimate.mc_mean[recorded.abs() > 1e-3] / recorded[recorded.abs() >
                                                               1e-3]
    kept = ratio * 6 * 0.8
    assert torch.allclose(kept, kept.round(), atol=1e-3)


def test_rate_factor_anneals_the_rates():
    distiller, _, _ = _setup(toy_distiller_cfg(toy_uet()))
    base = distiller.estimator.rates()
    distiller.estimator.rate_factor = 0.5
    torch.testing.assert_close(distiller.estimator.rates(), base * 0.5)


@pytest.mark.parametrize('uet, message', [
    (toy_uet(num_samples=0), r'^uet\.num_samples: K, the number of MC-dropout '
     r'samples, must be an integer >= 1'),
    (toy_uet(num_samples=-2), r'^uet\.num_samples: K, .* must be'),
    (toy_uet(rate=1.0), r'must lie in \[0, 1\)'),
    (toy_uet(p0=-0.1), r'must lie in \[0, 1\)'),
    (toy_uet(p0=0.9, delta=0.05), r'must lie in \[0, 1\)'),
    (toy_uet(mode='residuals'), r'^uet\.mode: must be one of'),
    (toy_uet(levels='module'), r"^uet: unknown setting\(s\) \['levels'\]"),
    (toy_uet(outputs=dict(fpn0=0, fpn1=1, fpn7=2)),
     r"^uet\.outputs: names 'fpn7', which the teacher recorders do not "
     r"provide; teacher recorders: \["),
    (toy_uet(outputs=dict(fpn0=0)),
     r"^uet\.outputs: \w+ distils teacher recorder 'fpn1', but uet\.outputs"),
    (toy_uet(losses=['loss_mse_fpn9']),
     "^uet.losses: names 'loss_mse_fpn9', which is not"),
    (toy_uet(level='feature', measure='entropy'),
     r"^uet\.measure: 'entropy' is not offered by level='feature'; it "
     r"offers \['variance', 'relative_variance'\]"),
    (toy_uet(level='lyer'), r"^uet\.level: must be one of .*'head_moments'"),
    (toy_uet(floor=1.0), r'^uet\.floor: must lie in \[0, 1\)'),
    (toy_uet(mapping='linear'), r'^uet\.mapping: must be one of'),
])
def test_bad_settings_fail_at_build_time(uet, message):
    with pytest.raises(UETConfigError, match=message):
        _setup(toy_distiller_cfg(uet))


def test_unknown_host_and_absent_module_fail_at_build_time():
    with pytest.raises(
            UETConfigError,
            match=r'^distill_losses\.loss_mse_fpn0\.type: UET '
            'cannot wrap host loss'):
        _setup(
            toy_distiller_cfg(
                toy_uet(),
                loss=dict(type='KLDivergence'),
                args=('preds_S', 'preds_T')))
    with pytest.raises(
            UETConfigError,
            match=r"^uet\.module: 'nek' is not a submodule of "
            r'the teacher ToyDetector; its modules: \['):
        _setup(toy_distiller_cfg(toy_uet(module='nek')))


def test_layer_level_uses_the_recorded_convolution():
    cfg = toy_distiller_cfg(toy_uet(level='layer', outputs={}))
    last_convs = {
        f'fpn{i}': dict(type='ModuleOutputs', source=f'neck.convs.{i}.2')
        for i in range(2)
    }
    cfg.update(student_recorders=last_convs, teacher_recorders=last_convs)
    distiller, teacher, student = _setup(cfg)
    _losses(distiller, teacher, student)
    assert float(distiller.uet_stats['uet/mse_fpn1/sigma']) > 0
    estimate = distiller.estimator.estimate('fpn0')
    assert estimate.mc_mean.shape == distiller.get_record('fpn0', False).shape
    # a Sequential with a ReLU is not a convolution
    with pytest.raises(
            UETConfigError,
            match=r'^teacher_recorders\.fpn0\.source: .* to be a '
            'plain convolution'):
        _setup(toy_distiller_cfg(toy_uet(level='layer')))
    with pytest.raises(
            UETConfigError,
            match=r"^uet\.channel_wise: level='layer' estimates element-wise "
            r"dropout only; channel_wise=True needs a level of \['feature', "
            r"'head', 'module'\]$"):
        _setup(toy_distiller_cfg(toy_uet(level='layer', channel_wise=True)))


def test_relative_variance_is_the_spread_over_the_signal():
    estimates = {}
    for measure in ('variance', 'relative_variance'):
        distiller, teacher, student = _setup(
            toy_distiller_cfg(toy_uet(measure=measure)))
        _losses(distiller, teacher, student, seed=5)
        estimates[measure] = distiller.estimator.estimate('fpn0')
        stat = dict(variance='sigma', relative_variance='relative_sigma')
        assert f'uet/mse_fpn0/{stat[measure]}' in distiller.uet_stats
    plain, relative = estimates['variance'], estimates['relative_variance']
    torch.testing.assert_close(plain.mc_mean, relative.mc_mean)
    signal = plain.mc_mean.pow(2).mean(dim=1)
    torch.testing.assert_close(relative.uncertainty * signal,
                               plain.uncertainty)


@pytest.mark.parametrize('level', ['layer', 'head_moments'])
def test_moment_levels_refuse_channel_wise_masks(level):
    supported = sorted(name
                       for name, estimator in ESTIMATORS.module_dict.items()
                       if estimator.channel_wise)
    assert supported == ['feature', 'head', 'module']
    measure = 'entropy' if level == 'head_moments' else 'variance'
    with pytest.raises(UETConfigError, match=r'^uet\.channel_wise: '):
        UETSettings.from_config(
            dict(level=level, measure=measure, channel_wise=True))
    UETSettings.from_config(dict(level=level, measure=measure))
