# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Callable, List, Optional

from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from mmengine.runner import IterBasedTrainLoop

from ..random_states import (RandomStates, capture_random_states,
                             restore_random_states)


def _estimators(runner) -> list:
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model
    estimator = getattr(getattr(model, 'distiller', None), 'estimator', None)
    return [] if estimator is None else [estimator]


class _RestoreAfterReplay:
    """The iteration loop's data iterator, which restores the random states
    once the loop has replayed the ``replay`` batches trained before the
    checkpoint, before it fetches the next one."""

    def __init__(self, loop, replay: int, restore) -> None:
        self.loop = loop
        self.iterator = loop.dataloader_iterator
        self.replay = replay
        self.restore = restore

    def __iter__(self):
        return self

    def __next__(self):
        if self.replay == 0:
            self.restore()
            self.loop.dataloader_iterator = self.iterator
        else:
            self.replay -= 1
        return next(self.iterator)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Keeps the random streams of a training run exact across validation
    and ``--resume``.

    :class:`~uet_mmdet.engine.UETRunner` registers it and calls
    :meth:`checkpoint_states` and :meth:`resume`; nothing needs to be
    configured.

    Note:
        - Validation during training draws from the global generators (the
          dataloader's base seed at least); the streams are set aside in
          ``before_val`` and put back in ``after_val``, so how often a run
          validates does not change how it trains.
        - Checkpoints hold every rank's Python, numpy, torch (CPU and CUDA)
          and UET estimator states as they are when training continues.
        - On resume, an epoch-based loop restores them before anything else
          of its next epoch (``before_train_epoch``, first of all hooks). An
          iteration-based loop replays the data of the iterations before the
          checkpoint (mmengine's way to reach the sampler position and the
          workers' streams) and restores them after the replay, before the
          next batch.
        - Worker processes are seeded by mmengine at creation, so they
          start the same in both runs unless ``persistent_workers=True``
          keeps them alive across epochs: then an epoch-based run's workers
          cannot be restored and a warning says so.
    """

    priority = 'HIGHEST'

    def __init__(self) -> None:
        self._training_states: Optional[RandomStates] = None
        self._pending_restore: Optional[Callable[[], None]] = None

    def before_train_epoch(self, runner) -> None:
        """Restore the resumed states an epoch-based loop waits for.

        Args:
            runner (Runner): The runner of the training process.
        """
        if self._pending_restore is not None:
            self._pending_restore()
            self._pending_restore = None

    def before_val(self, runner) -> None:
        """Set the training streams aside.

        Args:
            runner (Runner): The runner of the training process.
        """
        self._training_states = capture_random_states(_estimators(runner))

    def after_val(self, runner) -> None:
        """Put the training streams back.

        Args:
            runner (Runner): The runner of the training process.
        """
        if self._training_states is not None:
            restore_random_states(self._training_states, _estimators(runner))
            self._training_states = None

    def checkpoint_states(self, runner) -> RandomStates:
        """This rank's states as training will continue from them."""
        if self._training_states is not None:  # a best checkpoint, in val
            return self._training_states
        return capture_random_states(_estimators(runner))

    def resume(self, runner, states: Optional[List[RandomStates]]) -> None:
        """Continue the streams from a checkpoint's per-rank ``states``.

        Args:
            runner (Runner): The runner that has resumed the checkpoint.
            states (list, optional): One entry per rank of the run that wrote
                the checkpoint; ``None`` for checkpoints without them.
        """
        loop = runner.train_loop
        if states is None:
            runner.logger.warning(
                'the checkpoint holds no random states (written by mmengine '
                "or an older uet_mmdet): training continues from the config's "
                'seed, not bit-identical to an uninterrupted run')
            return
        if len(states) != get_world_size():
            runner.logger.warning(
                f'the checkpoint was written by {len(states)} processes and '
                f'this run has {get_world_size()}: random streams restart '
                "from the config's seed")
            return
        local = states[get_rank()]
        estimators = _estimators(runner)

        def restore() -> None:
            for skipped in restore_random_states(local, estimators):
                runner.logger.warning(f'not restored: {skipped}')

        if isinstance(loop, IterBasedTrainLoop):
            if loop.iter > 0:
                loop.dataloader_iterator = _RestoreAfterReplay(
                    loop, loop.iter, restore)
            else:
                restore()
            return
        self._pending_restore = restore
        dataloader = loop.dataloader
        if loop.iter != loop.epoch * len(dataloader):
            runner.logger.warning(
                f'resumed in the middle of epoch {loop.epoch + 1}: the epoch '
                'restarts from its first batch, so the run is not '
                'bit-identical to an uninterrupted one (save checkpoints at '
                'epoch ends, or use an iteration-based loop)')
        if dataloader.num_workers > 0 and dataloader.persistent_workers:
            runner.logger.warning(
                'persistent_workers=True: the data workers of the interrupted '
                "run are gone and new ones start from the config's seed, so "
                'data augmentation (and the run) is not bit-identical to an '
                'uninterrupted run; persistent_workers=False makes it so')
