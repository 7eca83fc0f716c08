# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Callable, Union

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from uet_mmdet.compat import allow_resume_globals


@RUNNERS.register_module()
class UETRunner(Runner):
    """The mmengine Runner, able to resume its own checkpoints on torch >= 2.6.

    Resume checkpoints carry the message hub and numpy state, which
    ``torch.load(weights_only=True)`` refuses; :meth:`resume` allows exactly
    those globals for its own load and nothing else changes.
    """

    def resume(self,
               filename: str,
               resume_optimizer: bool = True,
               resume_param_scheduler: bool = True,
               map_location: Union[str, Callable] = 'default') -> None:
        with allow_resume_globals():
            super().resume(filename, resume_optimizer, resume_param_scheduler,
                           map_location)
