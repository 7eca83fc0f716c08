# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Callable, Dict, List, Optional, Union

import torch
import torch.distributed as torch_dist
from mmengine.device import get_device
from mmengine.dist import is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import MODEL_WRAPPERS, RUNNERS
from mmengine.runner import Runner
from torch import nn

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
    - Distributed training also runs without GPUs (gloo process group, DDP
      without device ids), e.g. ``torchrun --nproc_per_node=2`` on a CPU box;
      mmengine 0.10.7 assumes CUDA there.
    """

    def _cpu_distributed(self) -> bool:
        return self.distributed and not torch.cuda.is_available()

    def setup_env(self, env_cfg: Dict) -> None:
        if (self._cpu_distributed() and self.launcher == 'pytorch'
                and not is_distributed()):
            torch_dist.init_process_group(backend='gloo')
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg: Optional[Dict],
                   model: nn.Module) -> nn.Module:
        if not self._cpu_distributed() or is_model_wrapper(model):
            return super().wrap_model(model_wrapper_cfg, model)
        wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=self.cfg.get('find_unused_parameters',
                                                False))
        wrapper_cfg.update(model_wrapper_cfg or {})
        return MODEL_WRAPPERS.build(
            wrapper_cfg, default_args=dict(module=model.to(get_device())))

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
