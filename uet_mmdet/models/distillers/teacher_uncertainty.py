# Copyright (c) uet_mmdet authors. All rights reserved.
"""ESTIMATE for a distiller: MC-dropout estimates of recorded teacher tensors.
"""
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from uet_mmdet.uncertainty import (UncertaintyEstimate, conv_mc_moments,
                                   feature_mc_moments_exact, mc_moments,
                                   module_mc_samples, relative_confidence,
                                   sigmoid_mutual_information,
                                   sigmoid_predictive_entropy)
from ..uet import UETConfigError, UETSettings

RecordKey = Tuple[str, int]


@contextmanager
def deterministic(module: nn.Module) -> Iterator[None]:
    """Eval mode for the MC passes (BN uses running stats, no own dropout),
    restoring every submodule's mode afterwards."""
    modes = [(sub, sub.training) for sub in module.modules()]
    module.train(False)
    try:
        yield
    finally:
        for sub, training in modes:
            sub.training = training


def _from_moments(mean: Tensor, variance: Tensor,
                  measure: str) -> Tuple[Tensor, Tensor]:
    """MC mean and (N, H, W) uncertainty from the MC mean and variance."""
    uncertainty = variance.mean(dim=1)
    if measure == 'relative_variance':
        uncertainty = uncertainty / mean.pow(2).mean(dim=1).clamp(min=1e-12)
    return mean, uncertainty


def _uncertainty(samples: Tensor, measure: str) -> Tuple[Tensor, Tensor]:
    """MC mean and (N, H, W) uncertainty of (K, N, C, H, W) samples."""
    if measure in ('variance', 'relative_variance'):
        return _from_moments(*mc_moments(samples), measure)
    mean = samples.mean(dim=0)
    if measure == 'mutual_information':
        return mean, sigmoid_mutual_information(samples)
    return mean, sigmoid_predictive_entropy(samples)


class TeacherUncertainty:
    """Estimates, per iteration, the uncertainty of recorded teacher tensors.

    Feature level drops out the recorded tensor itself, with the exact
    one-draw sampler. Module level drops out the recorded inputs of a teacher
    submodule and re-runs it on all K copies in one batch; one run serves
    every recorder listed in ``settings.outputs``. Layer level computes the
    moments of dropout on the input of the convolution each recorder
    records, without sampling.

    Args:
        settings (UETSettings): The validated ``uet`` block.
        get_record (callable): ``(recorder, record_idx) -> tensor`` of the
            teacher recorders.
        get_module_inputs (callable): Module level: the positional inputs of
            the teacher module's last call.
        get_layer_inputs (callable): Layer level: ``(recorder, record_idx)
            -> positional inputs`` of the recorded convolution.
        layer_sources (dict): Layer level: recorder name -> module name of
            the convolution it records.
    """

    def __init__(self,
                 settings: UETSettings,
                 get_record: Callable[[str, int], Tensor],
                 get_module_inputs: Callable[[], Sequence],
                 get_layer_inputs: Optional[Callable[[str, int],
                                                     Sequence]] = None,
                 layer_sources: Optional[Dict[str, str]] = None) -> None:
        self.settings = settings
        self.get_record = get_record
        self.get_module_inputs = get_module_inputs
        self.get_layer_inputs = get_layer_inputs
        self.layer_sources = dict(layer_sources or {})
        self.layers: Dict[str, nn.Conv2d] = {}
        self.module: Optional[nn.Module] = None
        self.rate_factor = 1.0
        self._estimates: Dict[RecordKey, UncertaintyEstimate] = {}
        self._samples = None

    def attach(self, teacher: nn.Module) -> None:
        """Find the module to re-run (module level) or the convolutions
        (layer level) in the teacher."""
        if self.settings.level == 'layer':
            self.layers = {
                recorder: _plain_conv(teacher, source)
                for recorder, source in self.layer_sources.items()
            }
        if self.settings.level != 'module':
            return
        name = self.settings.module
        try:
            self.module = teacher.get_submodule(name)
        except AttributeError:
            children = [child for child, _ in teacher.named_children()]
            raise UETConfigError(
                f'uet.module={name!r} is not a submodule of the teacher '
                f'{type(teacher).__name__} (its modules: {children})'
            ) from None

    def reset(self) -> None:
        """Forget the last iteration's estimates."""
        self._estimates = {}
        self._samples = None

    @torch.no_grad()
    def estimate(self, recorder: str, record_idx: int = 0
                 ) -> UncertaintyEstimate:
        """The estimate for one teacher record, computed once per iteration.
        """
        key = (recorder, record_idx)
        if key not in self._estimates:
            by_level = {
                'feature': self._feature_level,
                'layer': self._layer_level,
                'module': self._module_level
            }[self.settings.level]
            mean, uncertainty = by_level(recorder, record_idx)
            confidence = relative_confidence(uncertainty, self.settings.tau)
            self._estimates[key] = UncertaintyEstimate(
                mean, uncertainty, confidence)
        return self._estimates[key]

    def _feature_level(self, recorder: str,
                       record_idx: int) -> Tuple[Tensor, Tensor]:
        mean, variance = feature_mc_moments_exact(
            self.get_record(recorder, record_idx), self.rates(),
            self.settings.channel_wise)
        return _from_moments(mean, variance, self.settings.measure)

    def _layer_level(self, recorder: str,
                     record_idx: int) -> Tuple[Tensor, Tensor]:
        inputs = self.get_layer_inputs(recorder, record_idx)
        mean, variance = conv_mc_moments(
            self.layers[recorder], inputs[0],
            self.get_record(recorder, record_idx), self.rates())
        return _from_moments(mean, variance, self.settings.measure)

    def _module_level(self, recorder: str,
                      record_idx: int) -> Tuple[Tensor, Tensor]:
        if self._samples is None:
            with deterministic(self.module):
                self._samples = module_mc_samples(
                    self.module,
                    self.get_module_inputs()[0], self.rates(),
                    self.settings.channel_wise)
        samples = _select(self._samples, self.settings.outputs[recorder],
                          record_idx, f'uet.outputs[{recorder!r}]')
        return _uncertainty(samples, self.settings.measure)

    def rates(self) -> Tensor:
        return self.settings.rates(self.rate_factor)


def _plain_conv(teacher: nn.Module, source: str) -> nn.Conv2d:
    """The ``nn.Conv2d`` a layer-level recorder records: a conv, or an mmcv
    ``ConvModule`` without norm and activation."""
    try:
        module = teacher.get_submodule(source)
    except AttributeError:
        raise UETConfigError(
            f"uet.level='layer': the teacher has no module {source!r}"
        ) from None
    conv = getattr(module, 'conv', module)
    nonlinear = (getattr(module, 'with_norm', False)
                 or getattr(module, 'with_activation', False))
    if not isinstance(conv, nn.Conv2d) or nonlinear:
        raise UETConfigError(
            f"uet.level='layer' needs {source!r} to be a plain convolution "
            '(a Conv2d, or a ConvModule without norm and activation), got '
            f"{type(module).__name__}; use level='module' for other modules")
    return conv


def _select(samples, path, record_idx: int, where: str) -> Tensor:
    """Follow ``path`` into the nested module output; a sequence left at the
    end (one tensor per level) is indexed by ``record_idx``."""
    path = [path] if isinstance(path, int) else list(path)
    value = samples
    try:
        for index in path:
            value = value[index]
        if not isinstance(value, Tensor):
            value = value[record_idx]
    except (IndexError, TypeError):
        raise UETConfigError(
            f'{where}={path} (record {record_idx}) does not index a tensor '
            'of the module output') from None
    if not isinstance(value, Tensor):
        raise UETConfigError(f'{where}={path} leads to a nested sequence, '
                             'not a tensor')
    return value


__all__ = ['TeacherUncertainty', 'deterministic']
