# Copyright (c) uet_mmdet authors. All rights reserved.
"""tools/reproduce.py end to end on tiny data, then resumed."""
import csv
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch

from ..helpers import run_tool, tool, tool_env, write_reproduce_spec


@pytest.mark.slow
def test_reproduce_prepares_trains_evaluates_tabulates_and_resumes(tmp_path):
    root = str(tmp_path)
    work_dir = osp.join(root, 'bench')
    args = [
        tool('reproduce.py'),
        write_reproduce_spec(root), '--work-dir', work_dir
    ]
    first = run_tool(args + ['--seeds', '0'], cwd=root, timeout=900)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert '[prepare]' in first.stdout
    assert osp.isfile(
        osp.join(root, 'data', 'annotations', 'instances_train.json'))
    assert '[1/3] teacher: running' in first.stdout
    assert '[3/3] FGD+UET seed 0: running (ETA' in first.stdout
    table = open(osp.join(work_dir, 'results.md')).read()
    for row in ('| teacher | 1 |', '| student | 1 |', '| FGD+UET | 1 |'):
        assert row in table
    assert osp.isfile(osp.join(work_dir, 'results.csv'))
    assert osp.isfile(osp.join(work_dir, 'results.png'))
    # the run trained with its composed config and the benchmark's teacher
    composed = open(
        osp.join(work_dir, 'FGD_UET_seed0', 'configs',
                 'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py')).read()
    assert osp.join(work_dir, 'teacher', 'epoch_1.pth') in composed
    assert 'max_epochs=2' in composed
    # the same command again: every run is skipped, same table
    again = run_tool(args + ['--seeds', '0'], cwd=root)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count(': done') == 3
    assert open(osp.join(work_dir, 'results.md')).read() == table
    _kill_during_training_then_resume(args, work_dir, root)


def _metric_columns(work_dir: str) -> list:
    with open(osp.join(work_dir, 'results.csv')) as f:
        return [{
            key: value
            for key, value in row.items()
            if 'mAP' in key or key in ('name', 'runs')
        } for row in csv.DictReader(f)]


def _uet_metrics(work_dir: str) -> dict:
    with open(osp.join(work_dir, 'FGD_UET_seed0', 'result.json')) as f:
        return json.load(f)['metrics']


def _kill_during_training_then_resume(args: list, uninterrupted: str,
                                      root: str) -> None:
    """The FGD+UET run of a copy of the benchmark is killed (SIGKILL, the
    whole process group) after its first epoch's checkpoint; the command
    run again resumes it, and the table equals the uninterrupted one."""
    work_dir = osp.join(root, 'killed')
    shutil.copytree(uninterrupted, work_dir)
    run_dir = osp.join(work_dir, 'FGD_UET_seed0')
    shutil.rmtree(run_dir)
    args = args[:-2] + ['--work-dir', work_dir, '--seeds', '0']
    process = subprocess.Popen([sys.executable, *args],
                               cwd=root,
                               env=tool_env(),
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               start_new_session=True)
    last = osp.join(run_dir, 'last_checkpoint')
    deadline = time.time() + 600
    while not (osp.isfile(last) and 'epoch_1' in open(last).read()):
        assert process.poll() is None and time.time() < deadline
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not osp.isfile(osp.join(run_dir, 'epoch_2.pth'))

    resumed = run_tool(args, cwd=root)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'Auto resumed from the latest checkpoint' in open(
        osp.join(run_dir, 'train.log')).read()
    assert _metric_columns(work_dir) == _metric_columns(uninterrupted)
    assert _uet_metrics(work_dir) == _uet_metrics(uninterrupted)
    # the metrics of 12 tiny iterations are near 0: the weights decide
    expected, resumed = (
        torch.load(
            osp.join(bench, 'FGD_UET_seed0', 'epoch_2.pth'),
            weights_only=True)['state_dict']
        for bench in (uninterrupted, work_dir))
    assert expected.keys() == resumed.keys()
    assert all(torch.equal(expected[key], resumed[key]) for key in expected)


def test_reproduce_rejects_seeds_outside_the_spec(tmp_path):
    result = run_tool([
        tool('reproduce.py'),
        write_reproduce_spec(str(tmp_path)), '--seeds', '7'
    ],
                      cwd=str(tmp_path))
    assert result.returncode == 2
    assert "--seeds [7] not in the spec's seeds [0, 1]" in result.stderr
