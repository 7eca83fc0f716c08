# Copyright (c) uet_mmdet authors. All rights reserved.
"""One benchmark run: compose its config, train (resuming a stopped
attempt), evaluate, and write ``result.json`` — the mark of a done run."""
import json
import os
import os.path as osp
import subprocess
import time
from typing import Dict, List, Optional

from .launch import Launch
from .run_config import compose_run_config
from .spec import Run


class RunFailed(RuntimeError):
    """A tool of a run (or a ``prepare`` command) exited with an error;
    the message is one line naming its log."""


def result_file(run: Run) -> str:
    """Where a finished run writes its result: ``<work_dir>/result.json``."""
    return osp.join(run.work_dir, 'result.json')


def read_result(run: Run) -> Optional[dict]:
    """The run's result if it is done, else ``None``."""
    if not osp.isfile(result_file(run)):
        return None
    with open(result_file(run)) as f:
        return json.load(f)


def run_tool(command: List[str],
             log_file: str,
             cwd: str,
             env: Optional[Dict[str, str]] = None) -> float:
    """Run a command, appending its output to ``log_file``; return the
    child's peak RSS in MiB. Raises :class:`RunFailed` when it fails."""
    with open(log_file, 'a') as log:
        process = subprocess.Popen(
            command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RunFailed(f'{" ".join(command[:3])} ... failed (exit {code})'
                        f'{_reason(log_file)}; see {log_file}')
    return usage.ru_maxrss / 1024  # kilobytes on Linux


def _reason(log_file: str) -> str:
    """``: <message>`` of a tool's one-line ``error:`` at the end of its
    log, or nothing."""
    with open(log_file) as f:
        lines = f.read().strip().splitlines()
    if lines and lines[-1].startswith('error: '):
        return f': {lines[-1][len("error: "):]}'
    return ''


def train_speed(work_dir: str) -> Dict[str, Optional[float]]:
    """Mean seconds per training iteration and peak CUDA memory (MiB) from
    mmengine's ``vis_data/scalars.json``."""
    times, memory = [], []
    for root, _, files in os.walk(work_dir):
        if 'scalars.json' in files and root.endswith('vis_data'):
            with open(osp.join(root, 'scalars.json')) as f:
                for line in f:
                    record = json.loads(line)
                    if 'loss' in record and 'time' in record:
                        times.append(record['time'])
                        if 'memory' in record:
                            memory.append(record['memory'])
    return dict(
        sec_per_iter=sum(times) / len(times) if times else None,
        cuda_mib=max(memory) if memory else None)


def _last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def execute_run(run: Run,
                teacher_ckpt: Optional[str],
                launch: Launch,
                repo_root: str,
                slot: int = 0) -> dict:
    """Train and evaluate one run, or read its result if it is done.

    Training resumes from the run's ``last_checkpoint`` when an earlier
    attempt was stopped. Peak memory is CUDA's as logged, else (local
    runs) the training process's peak resident memory.
    """
    done = read_result(run)
    if done is not None:
        return done
    config = osp.join(run.work_dir, 'configs', osp.basename(run.config))
    os.makedirs(osp.dirname(config), exist_ok=True)
    compose_run_config(run, teacher_ckpt).dump(config)
    env = launch.env(slot)
    start = time.time()
    train_rss, checkpoint = None, run.checkpoint
    if checkpoint is None:
        resume = osp.isfile(osp.join(run.work_dir, 'last_checkpoint'))
        train_rss = run_tool(
            launch.train_command(run, config, resume),
            osp.join(run.work_dir, 'train.log'), repo_root, env)
        checkpoint = _last_checkpoint(run.work_dir)
        if launch.launcher == 'slurm':  # srun's memory, not the job's
            train_rss = None
    metrics_file = osp.join(run.work_dir, 'metrics.json')
    run_tool(
        launch.test_command(run, config, checkpoint,
                            osp.join(run.work_dir, 'test'), metrics_file),
        osp.join(run.work_dir, 'test.log'), repo_root, env)
    with open(metrics_file) as f:
        metrics = json.load(f)
    speed = train_speed(run.work_dir)
    result = dict(
        name=run.name,
        seed=run.seed,
        checkpoint=checkpoint,
        metrics=metrics,
        sec_per_iter=speed['sec_per_iter'],
        peak_mib=speed['cuda_mib'] or train_rss,
        seconds=time.time() - start)
    # written whole or not at all: the file marks the run as done
    partial = result_file(run) + '.part'
    with open(partial, 'w') as f:
        json.dump(result, f, indent=2)
    os.replace(partial, result_file(run))
    return result


__all__ = [
    'execute_run', 'read_result', 'run_tool', 'RunFailed', 'train_speed'
]
