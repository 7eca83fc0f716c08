# Copyright (c) uet_mmdet authors. All rights reserved.
"""How a benchmark run's training and evaluation are started: the command
line of the repository's tools for a launcher, and the environment of the
run's slot (its GPUs and port when runs share a machine)."""
import os
import os.path as osp
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .spec import Run

LAUNCHERS = ('none', 'pytorch', 'slurm')


@dataclass
class Launch:
    """Where and how the runs of a benchmark are started.

    Args:
        launcher (str): ``none`` (``tools/train.py``), ``pytorch``
            (``tools/dist_train.sh``) or ``slurm`` (one job per training and
            per evaluation, ``tools/slurm_train.sh``/``slurm_test.sh``).
        gpus (int): GPUs per run (``pytorch``, ``slurm``).
        partition (str, optional): Slurm partition.
        gpus_per_node (int): Slurm: GPUs asked of each node (at most
            ``gpus``).
        cpus_per_task (int): Slurm: CPUs per task (one task per GPU).
        srun_args (str): Slurm: further ``srun`` arguments.
        devices (list[str]): Local GPUs shared out to parallel runs
            (``CUDA_VISIBLE_DEVICES``); empty on a CPU machine or Slurm.
        job_prefix (str): Slurm job names are ``PREFIX_RUNDIR``.
    """
    launcher: str = 'none'
    gpus: int = 1
    partition: Optional[str] = None
    gpus_per_node: int = 8
    cpus_per_task: int = 5
    srun_args: str = ''
    devices: List[str] = field(default_factory=list)
    job_prefix: str = 'uet'

    @property
    def gpus_per_run(self) -> int:
        """GPUs one run holds on a local machine."""
        return self.gpus if self.launcher == 'pytorch' else 1

    def job_name(self, run: Run) -> str:
        """The run's job name: the job prefix and its work dir's name."""
        return re.sub(r'\W+', '_',
                      f'{self.job_prefix}_{osp.basename(run.work_dir)}')

    def train_command(self, run: Run, config: str, resume: bool) -> List[str]:
        """``tools/train.py`` for ``run`` through the launcher."""
        if self.launcher == 'slurm':
            command = [
                'bash', 'tools/slurm_train.sh', self.partition,
                self.job_name(run), config, run.work_dir
            ]
        elif self.launcher == 'pytorch':
            command = [
                'bash', 'tools/dist_train.sh', config,
                str(self.gpus), '--work-dir', run.work_dir
            ]
        else:
            command = [
                sys.executable, 'tools/train.py', config, '--work-dir',
                run.work_dir
            ]
        return command + (['--resume'] if resume else [])

    def test_command(self, run: Run, config: str, checkpoint: str,
                     work_dir: str, metrics_out: str) -> List[str]:
        """``tools/test.py`` for ``run``: a Slurm job of its own, else one
        local process."""
        options = ['--work-dir', work_dir, '--metrics-out', metrics_out]
        if self.launcher == 'slurm':
            return [
                'bash', 'tools/slurm_test.sh', self.partition,
                self.job_name(run), config, checkpoint, *options
            ]
        return [sys.executable, 'tools/test.py', config, checkpoint, *options]

    def env(self, slot: int) -> Dict[str, str]:
        """The environment of the run in parallel slot ``slot``: its own
        GPUs and torchrun port; Slurm's job geometry."""
        env = dict(os.environ)
        if self.launcher == 'slurm':
            env.update(
                GPUS=str(self.gpus),
                GPUS_PER_NODE=str(min(self.gpus, self.gpus_per_node)),
                CPUS_PER_TASK=str(self.cpus_per_task),
                SRUN_ARGS=self.srun_args)
            return env
        if self.devices:
            size = self.gpus_per_run
            env['CUDA_VISIBLE_DEVICES'] = ','.join(
                self.devices[slot * size:(slot + 1) * size])
        env['PORT'] = str(29500 + slot)
        return env

    def check(self, max_parallel: int) -> Optional[str]:
        """What is wrong with these settings, in one line, or ``None``."""
        if self.launcher == 'slurm' and not self.partition:
            return '--launcher slurm needs --partition'
        if self.gpus < 1 or max_parallel < 1:
            return '--gpus and --max-parallel must be at least 1'
        needed = self.gpus_per_run * max_parallel
        if self.devices and needed > len(self.devices):
            return (f'--max-parallel {max_parallel} runs of '
                    f'{self.gpus_per_run} GPU(s) need {needed} GPUs; '
                    f'{len(self.devices)} visible')
        return None


def visible_devices() -> List[str]:
    """The local GPUs (``CUDA_VISIBLE_DEVICES`` if set); none on CPU."""
    import torch
    if not torch.cuda.is_available():
        return []
    listed = os.environ.get('CUDA_VISIBLE_DEVICES')
    if listed:
        return [device for device in listed.split(',') if device]
    return [str(index) for index in range(torch.cuda.device_count())]


__all__ = ['Launch', 'LAUNCHERS', 'visible_devices']
