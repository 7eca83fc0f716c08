# Copyright (c) uet_mmdet authors. All rights reserved.
"""Helpers for tests that run the repository's tools."""
import os
import os.path as osp
import subprocess
import sys
from typing import List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO_ROOT, 'configs')


def tiny_data_options(data_root: str) -> str:
    """Config text pointing the data at ``data_root``, batches of 2 without
    worker processes and a log line per iteration."""
    data_root = data_root.rstrip('/') + '/'
    return f'''data_root = {data_root!r}
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
default_hooks = dict(logger=dict(interval=1))
'''


def write_test_config(path: str, base: str, data_root: str,
                      extra: str = '') -> str:
    """Write a config inheriting ``configs/<base>`` that runs in seconds:
    :func:`tiny_data_options` and one epoch."""
    text = f'''_base_ = {osp.join(CONFIGS, base)!r}
{tiny_data_options(data_root)}
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = []
{extra}
'''
    with open(path, 'w') as f:
        f.write(text)
    return path


def run_tool(args: List[str],
             cwd: str,
             env: Optional[dict] = None,
             timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a repository tool with this interpreter; return its output."""
    full_env = dict(os.environ, PYTHONHASHSEED='0', OMP_NUM_THREADS='2')
    full_env.update(env or {})
    return subprocess.run([sys.executable, *args],
                          cwd=cwd,
                          env=full_env,
                          capture_output=True,
                          text=True,
                          timeout=timeout)


def tool(name: str) -> str:
    """Absolute path of ``tools/<name>``."""
    return osp.join(REPO_ROOT, 'tools', name)
