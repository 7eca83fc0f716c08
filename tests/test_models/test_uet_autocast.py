# Copyright (c) uet_mmdet authors. All rights reserved.
"""Mixed precision, end to end: every registered estimator and every
registered host under CPU autocast (bfloat16 and float16), with teacher
features so large or so small that squaring them in the autocast dtype (for
bfloat16 also in float32) over- or underflows.

Checked: (a) every loss is finite wherever its exact value fits in float32;
(b) U_K, uncertainty and confidence agree with a float64 reference computed
from the same inputs outside autocast: the same estimator on float64 copies
of the teacher records and of the teacher or, for the levels that re-run a
teacher module in the autocast dtype, the definitions on float64 copies of
the very samples that re-run gave; (c) NaN or inf in the teacher gives one
clear one-line error naming the loss and the record.
"""
import copy
import inspect
import math
from collections import namedtuple

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData
from mmrazor.registry import MODELS
from torch.special import entr

from uet_mmdet.models.hosts import HOST_ADAPTERS
from uet_mmdet.registry import ESTIMATORS
from ..helpers import TWO_LEVEL_RECORDERS, TWO_LEVEL_WIDTH, TwoLevelRetina

WIDTH = TWO_LEVEL_WIDTH
HOST_CONFIGS = HOST_ADAPTERS.examples()
SIZE = 16
SEED = 5
LOGIT_MEASURES = ('entropy', 'mutual_information')
# (autocast dtype, scale of the teacher's features): squares of the large
# ones overflow the autocast dtype (bfloat16 and float32 alike above 1.8e19,
# float16 above 256), squares of the small ones underflow it; 1.0 is the
# plain case, where bfloat16's 8-bit mantissa is the hazard
CASES = [(torch.bfloat16, 1e-25), (torch.bfloat16, 1.0),
         (torch.bfloat16, 1e30), (torch.float16, 1e-4), (torch.float16, 1e3)]
EXTREME_CASES = [case for case in CASES if case[1] != 1.0]

RECORDERS = TWO_LEVEL_RECORDERS
STUDENT_RECORDERS = dict(RECORDERS, gt=dict(type='ModuleInputs', source='gt'))


def _uet(level, measure, mode='both'):
    return dict(
        mode=mode,
        num_samples=5,
        level=level,
        module='neck',
        outputs=dict(fpn0=0, fpn1=1),
        measure=measure)


def _distiller_cfg(host, uet=None):
    host_class = MODELS.get(host['type'])
    adapter = HOST_ADAPTERS.get(host_class)
    mappings = {}
    for i in range(2):
        mapping = {
            adapter.student_arg: dict(from_student=True, recorder=f'fpn{i}'),
            adapter.teacher_arg: dict(from_student=False, recorder=f'fpn{i}')
        }
        if 'data_samples' in inspect.signature(host_class.forward).parameters:
            mapping['data_samples'] = dict(
                from_student=True, recorder='gt', data_idx=0)
        mappings[f'loss_fpn{i}'] = mapping
    cfg = dict(
        type='UETDistiller',
        _scope_='mmrazor',
        student_recorders=STUDENT_RECORDERS,
        teacher_recorders=RECORDERS,
        distill_losses={f'loss_fpn{i}': dict(host)
                        for i in range(2)},
        loss_forward_mappings=mappings)
    if uet is not None:
        cfg['uet'] = uet
    return copy.deepcopy(cfg)


def _data_samples():
    samples = []
    for boxes in ([[1, 1, 9, 12]], [[0, 0, 5, 5], [6, 3, 15, 14]]):
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(SIZE, SIZE), batch_input_shape=(SIZE, SIZE)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            labels=torch.zeros(len(boxes), dtype=torch.long))
        samples.append(sample)
    return samples


def _images(poison=None):
    images = torch.randn(
        2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    if poison is not None:
        images[1, 0, 5, 7] = poison
    return images


def _run(cfg, dtype, scale, norm=False, poison=None):
    """Teacher and student forward and the distill losses, all under CPU
    autocast to ``dtype``, as in mixed-precision training; with the outputs
    of every teacher module an MC level re-runs while the losses are
    computed."""
    torch.manual_seed(0)
    teacher = TwoLevelRetina(norm).scale_features(scale).eval()
    student = TwoLevelRetina(norm)
    distiller = MODELS.build(cfg)
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    if distiller.estimator is not None:
        distiller.estimator.manual_seed(SEED)
    reruns = []
    with torch.autocast('cpu', dtype=dtype):
        with distiller.teacher_recorders, torch.no_grad():
            teacher(_images(poison))
        with distiller.student_recorders:
            student(_images(), _data_samples())
        hooks = [
            module.register_forward_hook(
                lambda _, __, output: reruns.append(output))
            for module in _rerun_modules(distiller, teacher)
        ]
        try:
            losses = distiller.compute_distill_losses()
        finally:
            for hook in hooks:
                hook.remove()
    return Run(distiller, teacher, losses, reruns)


Run = namedtuple('Run', 'distiller teacher losses reruns')
# levels that re-run a teacher module on K dropped-out copies, in the
# autocast dtype; the others compute from the records alone
RERUN_LEVELS = {
    'module':
    lambda teacher, uet: [teacher.get_submodule(uet.module)],
    'head':
    lambda teacher, uet:
    [teacher.bbox_head.retina_cls, teacher.bbox_head.retina_reg],
}


def _rerun_modules(distiller, teacher):
    uet = distiller.uet
    if uet is None or uet.level not in RERUN_LEVELS:
        return []
    return RERUN_LEVELS[uet.level](teacher, uet)


def _float64(value):
    if isinstance(value, torch.Tensor):
        return value.detach().double()
    if isinstance(value, (tuple, list)):
        return type(value)(_float64(item) for item in value)
    return value


def _reference_estimator(distiller, teacher):
    """The same estimator, outside autocast, on float64 copies of the
    records and of the teacher, with the same random stream."""
    estimator = distiller.estimator

    def read(recorder, record_idx):
        return _float64(distiller.get_record(recorder, False, record_idx))

    reference = type(estimator)(estimator.settings, read,
                                estimator.teacher_recorders)
    reference.manual_seed(SEED)
    reference.attach(copy.deepcopy(teacher).double())
    return {recorder: reference.estimate(recorder) for recorder in RECORDERS}


def _samples_of(run, index):
    """The (K, N, C, H, W) outputs of the re-run for record ``fpn{index}``
    (the module runs once for all records, the head once per record)."""
    output = run.reruns[0][index] if len(
        run.reruns) == 1 else run.reruns[index]
    return output.unflatten(0, (run.distiller.uet.num_samples, -1))


def _direct(samples, measure):
    """MC mean and uncertainty of float64 samples by their definitions."""
    mean = samples.mean(dim=0)
    if measure in ('variance', 'relative_variance'):
        variance = (samples - mean).pow(2).mean(dim=0).mean(dim=1)
        if measure == 'variance':
            return mean, variance
        return mean, variance / mean.pow(2).mean(dim=1)
    prob, complement = samples.sigmoid(), (-samples).sigmoid()
    total = (entr(prob.mean(0)) + entr(complement.mean(0))).sum(dim=1)
    if measure == 'entropy':
        return mean, total
    expected = (entr(prob) + entr(complement)).mean(dim=0).sum(dim=1)
    return mean, (total - expected).clamp(min=0)


def _exp_confidence(uncertainty):
    """``exp(-u / mean(u))`` per image (tau 1), 1 where u is 0 throughout."""
    mean = uncertainty.mean(dim=(1, 2), keepdim=True)
    return torch.where(mean > 0, torch.exp(-uncertainty / mean), 1.0)


def _references(run, measure):
    """Per record, (U_K, uncertainty, confidence) computed in float64 from
    the same inputs: by the float64 estimator, or, for the re-run levels,
    directly from the very samples the re-run gave (the teacher's own
    rounding in the autocast dtype is not UET's to fix)."""
    estimates = _reference_estimator(run.distiller, run.teacher)
    references = {}
    for index, (recorder, estimate) in enumerate(estimates.items()):
        mean, uncertainty, confidence = estimate
        if run.distiller.uet.level in RERUN_LEVELS:
            sample_mean, uncertainty = _direct(
                _float64(_samples_of(run, index)), measure)
            confidence = _exp_confidence(uncertainty)
            if run.distiller.uet.level == 'module':
                mean = sample_mean
        references[recorder] = (mean.double(), uncertainty.double(),
                                confidence.double())
    return references


def _measures(level):
    measures = ESTIMATORS.get(level).measures
    if level == 'module':  # the toy's module is the neck: features, no logits
        measures = tuple(m for m in measures if m not in LOGIT_MEASURES)
    return measures


ESTIMATOR_CASES = [(level, measure) for level in sorted(ESTIMATORS.module_dict)
                   for measure in _measures(level)]
PKD = dict(type='PKDLoss', loss_weight=1.0)  # scale-free: finite at any scale


def _check(estimate, reference, measure):
    """float32 maths against float64: 1e-4 of the map's peak (plus 1e-5
    nats for the entropies, whose difference cancels), 1e-3 in confidence
    where the map resolves anything at float32 precision."""
    assert estimate.confidence.dtype == torch.float32
    assert estimate.uncertainty.dtype in (torch.float32, torch.float64)
    assert estimate.mc_mean.dtype == torch.float32
    for value in estimate:
        assert torch.isfinite(value).all()
    mean, uncertainty, confidence = reference
    peak = float(uncertainty.abs().max())
    atol = 1e-4 * peak + (1e-5 if measure in LOGIT_MEASURES else 0.0)
    torch.testing.assert_close(
        estimate.uncertainty.double(), uncertainty, rtol=1e-4, atol=atol)
    flat = uncertainty.flatten(1)
    resolved = flat.amax(1) - flat.amin(1) > (1e-4 if measure in LOGIT_MEASURES
                                              else 0.0)
    torch.testing.assert_close(
        estimate.confidence[resolved].double(),
        confidence[resolved],
        rtol=0,
        atol=1e-3)
    torch.testing.assert_close(
        estimate.mc_mean.double(),
        mean,
        rtol=1e-4,
        atol=1e-6 * float(mean.abs().max()))


@pytest.mark.parametrize('dtype,scale', CASES)
@pytest.mark.parametrize('level,measure', ESTIMATOR_CASES)
def test_every_estimator_under_autocast_matches_float64(
        level, measure, dtype, scale):
    run = _run(_distiller_cfg(PKD, _uet(level, measure)), dtype, scale)
    for name, loss in run.losses.items():
        assert torch.isfinite(loss), (name, loss)
    for value in run.distiller.uet_stats.values():
        assert torch.isfinite(value)
    for recorder, reference in _references(run, measure).items():
        _check(run.distiller.estimator.estimate(recorder), reference, measure)


def _terms(loss):
    return loss if isinstance(loss, dict) else {'': loss}


@torch.no_grad()
def _exact_host_losses(distiller):
    """Each host on float64 copies of its inputs, no UET, no autocast."""
    exact = {}
    for name, mappings in distiller.loss_forward_mappings.items():
        kwargs = {
            key: _float64(distiller.get_record(**record))
            for key, record in mappings.items()
        }
        host = copy.deepcopy(distiller.distill_losses[name].host).double()
        for term, value in _terms(host(**kwargs)).items():
            exact[f'{name}_{term}' if term else name] = float(value)
    return exact


@pytest.mark.parametrize('dtype,scale', EXTREME_CASES)
@pytest.mark.parametrize('mode', ['residual', 'weight', 'both'])
@pytest.mark.parametrize('host', sorted(HOST_CONFIGS))
def test_every_host_with_uet_is_finite_where_its_value_fits(
        host, mode, dtype, scale):
    """Weighted, UET computes the host's loss itself: finite wherever the
    exact value fits in float32. Residual, the host computes it on UET's
    target: finite wherever the host alone is (MMRazor's L2Loss squares
    float16 features in float16, for one)."""
    host_cfg = HOST_CONFIGS[host]
    run = _run(
        _distiller_cfg(host_cfg, _uet('head_moments', 'entropy', mode)), dtype,
        scale)
    exact = _exact_host_losses(run.distiller)
    assert run.losses.keys() == exact.keys()
    alone = _run(_distiller_cfg(host_cfg), dtype,
                 scale).losses if (mode == 'residual') else None
    checked = 0
    for name, loss in run.losses.items():
        fits = math.isfinite(exact[name]) and abs(exact[name]) < 1e38
        if fits and (alone is None or torch.isfinite(alone[name])):
            assert torch.isfinite(loss), (name, loss, exact[name])
            checked += 1
    for key, value in run.distiller.uet_stats.items():
        assert torch.isfinite(value), key
    # only MSE-like losses of features of 1e30 (1e60) are beyond float32
    assert checked or scale > 1e19 or mode == 'residual'


@pytest.mark.parametrize('poison', [math.nan, math.inf])
@pytest.mark.parametrize('level', sorted(ESTIMATORS.module_dict))
def test_non_finite_teacher_features_give_one_clear_error(level, poison):
    measure = _measures(level)[0]
    cfg = _distiller_cfg(PKD, _uet(level, measure))
    with pytest.raises(FloatingPointError) as error:
        _run(cfg, torch.bfloat16, 1.0, poison=poison)
    message = str(error.value)
    assert '\n' not in message
    assert message.startswith('loss_fpn0: teacher record ')
    assert 'NaN' in message and 'inf' in message


def test_a_teacher_head_that_overflows_on_finite_features_is_named():
    # torch's GroupNorm squares its input in float32: NaN on features of
    # 1e30, so the teacher's own head cannot take them
    cfg = _distiller_cfg(PKD, _uet('head', 'entropy'))
    with pytest.raises(FloatingPointError) as error:
        _run(cfg, torch.bfloat16, 1e30, norm=True)
    message = str(error.value)
    assert '\n' not in message
    assert message.startswith('loss_fpn0: ')
    assert "'bbox_head'" in message and 'fpn0[0]' in message
