# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from uet_mmdet.errors import ConfigError

# the hook's arguments in error keys: custom_hooks=[dict(type='UETHook', ...)]
KEY = 'custom_hooks.UETHook'


@HOOKS.register_module()
class UETHook(Hook):
    """Schedules UET's MC-dropout pass and logs what it does.

    Before every training iteration it turns the teacher's uncertainty
    estimate on or off (warm-up, stop epoch) and sets the dropout-rate
    factor (annealing); after it, it writes the distiller's statistics to the
    message hub, so they appear in the training log and the visualiser:
    ``uet/<loss>/sigma`` (mean MC standard deviation of the teacher tensor;
    ``relative_sigma``, relative to the MC mean, with
    ``measure='relative_variance'``; the mean uncertainty for logit
    measures),
    ``uet/<loss>/downweighted`` (share of locations whose weight is below
    0.5, ``weight`` and ``both`` modes), ``uet/<loss>/norm_ratio``
    (``||target|| / ||F_T||``, ``residual`` and ``both``), ``uet/active`` and
    ``uet/rate_factor``.

    Args:
        start_iter (int): First iteration (0-based) with UET. Defaults to 0.
        start_epoch (int): First epoch (0-based) with UET. Defaults to 0.
        stop_epoch (int, optional): Epoch (0-based) from which UET is off
            again and the host distils alone.
        anneal_to (float, optional): Scale the dropout rates linearly from
            1 at the first UET iteration to this factor at the last training
            iteration. ``None`` keeps them fixed.

    Note:
        - Iterations before ``start_iter`` or ``start_epoch``, and epochs
          from ``stop_epoch`` on, train with the host loss alone; the
          estimator is not run.
        - ``anneal_to`` is checked against the largest dropout rate when
          training starts: a factor that would take a rate to 1 or beyond is
          refused then, not at the iteration it is reached.
        - With ``uet.mode='off'`` the hook only logs ``uet/active`` as 0.
        - A bad argument, or a model whose distiller is not a
          ``UETDistiller`` with a ``uet`` block, raises
          :class:`~uet_mmdet.errors.ConfigError` keyed
          ``custom_hooks.UETHook.<argument>`` (or ``model.distiller``).
    """

    priority = 'NORMAL'

    def __init__(self,
                 start_iter: int = 0,
                 start_epoch: int = 0,
                 stop_epoch: Optional[int] = None,
                 anneal_to: Optional[float] = None) -> None:
        for name, value in (('start_iter', start_iter), ('start_epoch',
                                                         start_epoch)):
            if value < 0:
                raise ConfigError(f'{KEY}.{name}',
                                  f'must be >= 0, got {value}')
        if stop_epoch is not None and stop_epoch <= start_epoch:
            raise ConfigError(
                f'{KEY}.stop_epoch', f'({stop_epoch}) must be after '
                f'start_epoch ({start_epoch})')
        if anneal_to is not None and anneal_to < 0:
            raise ConfigError(f'{KEY}.anneal_to',
                              f'must be >= 0, got {anneal_to}')
        self.start_iter = start_iter
        self.start_epoch = start_epoch
        self.stop_epoch = stop_epoch
        self.anneal_to = anneal_to

    @staticmethod
    def _distiller(runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        distiller = getattr(model, 'distiller', None)
        if getattr(distiller, 'uet', None) is None:
            raise ConfigError(
                'model.distiller', 'UETHook needs a distillation model whose '
                'distiller is a UETDistiller with uet settings, got '
                f'{type(distiller).__name__} in {type(model).__name__}',
                'add a uet block to it or take UETHook out of custom_hooks')
        return distiller

    def before_train(self, runner) -> None:
        """Check the model and that annealing keeps every rate below 1.

        Args:
            runner (Runner): The runner of the training process.

        Raises:
            ConfigError: The model is not a UET distillation, or
                ``anneal_to`` takes the largest dropout rate to 1 or beyond.
        """
        distiller = self._distiller(runner)
        if self.anneal_to is None or distiller.estimator is None:
            return
        largest = float(distiller.estimator.settings.rates().max())
        if largest * self.anneal_to >= 1:
            raise ConfigError(
                f'{KEY}.anneal_to', f'{self.anneal_to} takes the largest '
                f'dropout rate {largest:g} to {largest * self.anneal_to:g}; '
                'rates must stay below 1', f'anneal_to < {1 / largest:g}')

    def _active(self, runner) -> bool:
        return (runner.iter >= self.start_iter
                and runner.epoch >= self.start_epoch and
                (self.stop_epoch is None or runner.epoch < self.stop_epoch))

    def _rate_factor(self, runner) -> float:
        if self.anneal_to is None:
            return 1.0
        first = max(self.start_iter,
                    self.start_epoch * len(runner.train_dataloader))
        span = max(runner.max_iters - 1 - first, 1)
        progress = min(max((runner.iter - first) / span, 0.0), 1.0)
        return 1.0 + (self.anneal_to - 1.0) * progress

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        """Switch the estimate on or off and set the rate factor.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): The index of the current batch in the loop.
            data_batch (dict, optional): Data from the dataloader.
        """
        distiller = self._distiller(runner)
        distiller.uet_active = self._active(runner)
        if distiller.estimator is not None:  # None with mode='off'
            distiller.estimator.rate_factor = self._rate_factor(runner)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """Write ``uet/active``, the rate factor and the distiller's
        statistics of this iteration to the message hub.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): The index of the current batch in the loop.
            data_batch (dict, optional): Data from the dataloader.
            outputs (dict, optional): Outputs of the model.
        """
        distiller = self._distiller(runner)
        hub = runner.message_hub
        hub.update_scalar('train/uet/active', float(distiller.uet_on))
        if distiller.uet_on:
            hub.update_scalar('train/uet/rate_factor',
                              distiller.estimator.rate_factor)
            for key, value in distiller.uet_stats.items():
                hub.update_scalar(f'train/{key}', float(value))


__all__ = ['UETHook']
