# Copyright (c) uet_mmdet authors. All rights reserved.
import copy
import os.path as osp
from typing import Callable, Dict, List, Optional, Union

import torch
import torch.distributed as torch_dist
from mmengine.device import get_device
from mmengine.dist import all_gather_object, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import MODEL_WRAPPERS, RUNNERS
from mmengine.runner import Runner, find_latest_checkpoint
from torch import nn

from uet_mmdet.compat import allow_resume_globals
from ..hooks import RandomStateHook, WeightsOnlyCheckpointHook


def _resumed_seed(cfg) -> Optional[int]:
    """The seed in the checkpoint a ``resume=True`` config resumes."""
    if not cfg.get('resume'):
        return None
    path = cfg.get('load_from') or find_latest_checkpoint(cfg.work_dir)
    if path is None or not osp.isfile(path):
        return None
    with allow_resume_globals():
        checkpoint = torch.load(
            path, map_location='cpu', weights_only=True, mmap=True)
    return checkpoint.get('meta', {}).get('seed')


@RUNNERS.register_module()
class UETRunner(Runner):
    """mmengine's Runner with checkpoints that torch >= 2.6 loads safely.

    - Its checkpoints load with ``torch.load(weights_only=True)``:
      :class:`~uet_mmdet.engine.hooks.WeightsOnlyCheckpointHook` is always
      registered.
    - :meth:`resume` also accepts checkpoints written by the plain mmengine
      Runner, allowing their logger globals for that one load only.
    - Resuming is exact: checkpoints hold every rank's random states and
      :class:`~uet_mmdet.engine.hooks.RandomStateHook` (always registered)
      restores them, so a killed and resumed run trains as the uninterrupted
      one does (see that hook for the conditions). The run takes the
      checkpoint's seed before it builds its data samplers, so a config
      without a seed resumes with the same data order.
    - Distributed training also runs without GPUs (gloo process group, DDP
      without device ids), e.g. ``torchrun --nproc_per_node=2`` on a CPU box;
      mmengine 0.10.7 assumes CUDA there.
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'UETRunner':
        """mmengine's ``from_cfg``; a resumed run is seeded as the run that
        wrote its checkpoint."""
        seed = _resumed_seed(cfg)
        if seed is not None:
            cfg = copy.deepcopy(cfg)
            cfg.randomness = dict(cfg.get('randomness') or {}, seed=seed)
        return super().from_cfg(cfg)

    def _cpu_distributed(self) -> bool:
        return self.distributed and not torch.cuda.is_available()

    def setup_env(self, env_cfg: Dict) -> None:
        """mmengine's ``setup_env``; a distributed run without CUDA first
        starts a gloo process group (mmengine would ask for NCCL).

        Args:
            env_cfg (dict): The config's ``env_cfg``.
        """
        if (self._cpu_distributed() and self.launcher == 'pytorch'
                and not is_distributed()):
            torch_dist.init_process_group(backend='gloo')
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg: Optional[Dict],
                   model: nn.Module) -> nn.Module:
        """mmengine's ``wrap_model``; a distributed run without CUDA wraps
        in ``MMDistributedDataParallel`` without device ids.

        Args:
            model_wrapper_cfg (dict, optional): The config's
                ``model_wrapper_cfg``; it updates the CPU wrapper's
                defaults (``broadcast_buffers=False``, the config's
                ``find_unused_parameters``).
            model (nn.Module): The model to wrap.

        Returns:
            nn.Module: The wrapped model (``model`` itself when it is
            already wrapped).
        """
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
        """mmengine's ``register_hooks``, then a
        :class:`~uet_mmdet.engine.hooks.WeightsOnlyCheckpointHook` and a
        :class:`~uet_mmdet.engine.hooks.RandomStateHook` unless the config
        registered them.

        Args:
            default_hooks (dict, optional): The config's ``default_hooks``.
            custom_hooks (list, optional): The config's ``custom_hooks``.
        """
        super().register_hooks(default_hooks, custom_hooks)
        for hook_type in (WeightsOnlyCheckpointHook, RandomStateHook):
            if self._hook(hook_type) is None:
                self.register_hook(hook_type())

    def _hook(self, hook_type: type) -> Optional[Hook]:
        return next(
            (hook for hook in self.hooks if isinstance(hook, hook_type)), None)

    def save_checkpoint(self,
                        out_dir: str,
                        filename: str,
                        file_client_args: Optional[dict] = None,
                        save_optimizer: bool = True,
                        save_param_scheduler: bool = True,
                        meta: Optional[dict] = None,
                        by_epoch: bool = True,
                        backend_args: Optional[dict] = None) -> None:
        """mmengine's ``save_checkpoint`` with every rank's random states in
        ``meta['random_states']``.

        Note:
            - Call it on every rank, as ``CheckpointHook`` does: the ranks
              gather their states and rank 0 writes the file. Called on
              rank 0 alone (safe with mmengine's Runner) it waits forever
              in a distributed run.
        """
        states = self._hook(RandomStateHook).checkpoint_states(self)
        states = all_gather_object(states) if is_distributed() else [states]
        super().save_checkpoint(out_dir, filename, file_client_args,
                                save_optimizer, save_param_scheduler,
                                dict(meta or {}, random_states=states),
                                by_epoch, backend_args)

    def load_checkpoint(self, filename: str, *args, **kwargs) -> dict:
        """mmengine's ``load_checkpoint``, keeping the checkpoint's random
        states for :meth:`resume`."""
        checkpoint = super().load_checkpoint(filename, *args, **kwargs)
        self._loaded_random_states = checkpoint.get('meta',
                                                    {}).get('random_states')
        return checkpoint

    def resume(self,
               filename: str,
               resume_optimizer: bool = True,
               resume_param_scheduler: bool = True,
               map_location: Union[str, Callable] = 'default') -> None:
        """mmengine's ``resume``, accepting checkpoints of the plain
        mmengine Runner, then every rank's random states restored by
        :class:`~uet_mmdet.engine.hooks.RandomStateHook`.

        Args:
            filename (str): The checkpoint.
            resume_optimizer (bool): Resume the optimizer state.
            resume_param_scheduler (bool): Resume the parameter schedulers.
            map_location (str | callable): Where to map the tensors;
                ``'default'`` maps them to this run's device.
        """
        with allow_resume_globals():
            super().resume(filename, resume_optimizer, resume_param_scheduler,
                           map_location)
        self._hook(RandomStateHook).resume(self, self._loaded_random_states)
