# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Callable, Dict, List, Optional, Union

from mmengine.hooks import Hook
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from uet_mmdet.compat import allow_resume_globals
from ..hooks import WeightsOnlyCheckpointHook


@RUNNERS.register_module()
class UETRunner(Runner):
    """mmengine's Runner with checkpoints that torch >= 2.6 loads safely.

    - Its checkpoints load with ``torch.load(weights_only=True)``:
      :class:`~uet_mmdet.engine.hooks.WeightsOnlyCheckpointHook` is always
      registered.
    - :meth:`resume` also accepts checkpoints written by the plain mmengine
      Runner, allowing their logger globals for that one load only.
    """

    def register_hooks(
            self,
            default_hooks: Optional[Dict[str, Union[Hook, Dict]]] = None,
            custom_hooks: Optional[List[Union[Hook, Dict]]] = None) -> None:
        super().register_hooks(default_hooks, custom_hooks)
        if not any(isinstance(hook, WeightsOnlyCheckpointHook)
                   for hook in self.hooks):
            self.register_hook(WeightsOnlyCheckpointHook())

    def resume(self,
               filename: str,
               resume_optimizer: bool = True,
               resume_param_scheduler: bool = True,
               map_location: Union[str, Callable] = 'default') -> None:
        with allow_resume_globals():
            super().resume(filename, resume_optimizer, resume_param_scheduler,
                           map_location)
