# Copyright (c) uet_mmdet authors. All rights reserved.
"""A hook for the resume tests' training processes (loaded by their configs
through ``custom_imports``): SIGKILL the process after a given iteration,
as a preempted cluster job dies."""
import os
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class KillAfterIterHook(Hook):
    """Kill the process with SIGKILL once iteration ``kill_after`` (counted
    from 1 over the whole run) has trained and its checkpoint, if any, has
    been written.

    Args:
        kill_after (int): The last iteration the process trains.
    """

    priority = 'LOWEST'  # after CheckpointHook

    def __init__(self, kill_after: int) -> None:
        self.kill_after = kill_after

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
