# Copyright (c) uet_mmdet authors. All rights reserved.
"""Launch commands per launcher, and tools/reproduce.py --teacher-ckpt and
--max-parallel with a fake executor (no training)."""
import importlib.util
import json
import os
import os.path as osp
import sys
import threading

import pytest

from uet_mmdet.benchmark import Launch, Run, RunFailed
from ..helpers import CONFIGS, run_tool, tool

RUN = Run('FGD+UET', 'u.py', '/w/FGD_UET_seed0', 0, distill=True)


def test_slurm_runs_are_jobs_of_the_slurm_scripts():
    launch = Launch(
        'slurm',
        gpus=16,
        partition='p',
        srun_args='--time=1',
        job_prefix='coco_gfl')
    assert launch.train_command(
        RUN, 'c.py', resume=True) == [
            'bash', 'tools/slurm_train.sh', 'p', 'coco_gfl_FGD_UET_seed0',
            'c.py', '/w/FGD_UET_seed0', '--resume'
        ]
    assert launch.test_command(RUN, 'c.py', 'e.pth', 'out', 'm.json') == [
        'bash', 'tools/slurm_test.sh', 'p', 'coco_gfl_FGD_UET_seed0', 'c.py',
        'e.pth', '--work-dir', 'out', '--metrics-out', 'm.json'
    ]
    env = launch.env(slot=3)
    assert (env['GPUS'], env['GPUS_PER_NODE'],
            env['SRUN_ARGS']) == ('16', '8', '--time=1')
    assert 'CUDA_VISIBLE_DEVICES' not in env or env[
        'CUDA_VISIBLE_DEVICES'] == os.environ['CUDA_VISIBLE_DEVICES']
    assert Launch('slurm', gpus=2).env(0)['GPUS_PER_NODE'] == '2'
    assert Launch('slurm').check(1) == '--launcher slurm needs --partition'


def test_parallel_local_runs_get_their_own_gpus_and_port():
    launch = Launch('pytorch', gpus=2, devices=list('01234567'))
    assert launch.train_command(
        RUN, 'c.py',
        resume=False)[:4] == ['bash', 'tools/dist_train.sh', 'c.py', '2']
    assert [launch.env(slot)['CUDA_VISIBLE_DEVICES']
            for slot in range(4)] == ['0,1', '2,3', '4,5', '6,7']
    assert launch.env(1)['PORT'] == '29501'
    assert launch.check(4) is None
    assert launch.check(5) == ('--max-parallel 5 runs of 2 GPU(s) need 10 '
                               'GPUs; 8 visible')
    single = Launch('none', gpus=8, devices=['4', '5'])
    assert single.env(1)['CUDA_VISIBLE_DEVICES'] == '5'
    assert Launch('none').env(0).get('CUDA_VISIBLE_DEVICES') == (
        os.environ.get('CUDA_VISIBLE_DEVICES'))


SPEC = f"""name = 'fake'
teacher = dict(config={osp.join(CONFIGS, 'demo',
                                'retinanet_r50_fpn_demo.py')!r})
student = dict(config={osp.join(CONFIGS, 'demo',
                                'retinanet_r18_fpn_demo.py')!r})
methods = [dict(name='FGD+UET', config={osp.join(
    CONFIGS, 'uet', 'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py')!r})]
seeds = [0, 1]
"""


def _load_tool():
    spec = importlib.util.spec_from_file_location('reproduce_tool',
                                                  tool('reproduce.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _metrics(value):
    return {
        f'coco/bbox_{key}': value
        for key in ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')
    }


class Calls(list):
    """What the fake executor was given; ``fail``: a run folder to fail."""
    fail = None


@pytest.fixture
def fake_reproduce(tmp_path, monkeypatch):
    """tools/reproduce.py with execute_run replaced by a recorder."""
    module = _load_tool()
    calls, lock = Calls(), threading.Lock()

    def fake_execute(run, teacher_ckpt, launch, repo_root, slot):
        with lock:
            calls.append((run, teacher_ckpt, slot))
        if calls.fail and run.work_dir.endswith(calls.fail):
            raise RunFailed('tools/train.py ... failed (exit 1); see log')
        os.makedirs(run.work_dir, exist_ok=True)
        result = dict(
            name=run.name,
            seed=run.seed,
            seconds=1.0,
            checkpoint=run.checkpoint or 'trained.pth',
            metrics=_metrics(0.3),
            sec_per_iter=None,
            peak_mib=None)
        with open(osp.join(run.work_dir, 'result.json'), 'w') as f:
            json.dump(result, f)
        return result

    monkeypatch.setattr(module, 'execute_run', fake_execute)
    spec = tmp_path / 'spec.py'
    spec.write_text(SPEC)

    def main(*args):
        monkeypatch.setattr(sys, 'argv', [
            'reproduce.py',
            str(spec), '--work-dir',
            str(tmp_path / 'bench'), *args
        ])
        module.main()

    return main, calls


def test_teacher_ckpt_is_evaluated_and_read_by_every_method(
        tmp_path, fake_reproduce, capsys):
    main, calls = fake_reproduce
    given = tmp_path / 'zoo_teacher.pth'
    given.write_bytes(b'weights')
    main('--teacher-ckpt', str(given), '--max-parallel', '2')
    teacher = next(run for run, _, _ in calls if run.name == 'teacher')
    assert teacher.checkpoint == str(given)  # evaluated only, not trained
    assert {ckpt for run, ckpt, _ in calls if run.distill} == {str(given)}
    assert {slot for _, _, slot in calls} == {0, 1}
    table = (tmp_path / 'bench' / 'results.md').read_text()
    assert f'Teacher: the given checkpoint `{given}`, evaluated' in table
    assert '| teacher | 1 | 30.0 |' in table
    assert capsys.readouterr().out.count(': finished in') == 5
    # a work dir of that teacher refuses another one
    other = tmp_path / 'other.pth'
    other.write_bytes(b'w')
    with pytest.raises(SystemExit) as exit_:
        main('--teacher-ckpt', str(other))
    assert exit_.value.code == 2
    assert f'holds the runs of teacher {given}, not {other}' in (
        capsys.readouterr().err)


def test_a_missing_teacher_ckpt_is_one_line(tmp_path):
    spec = tmp_path / 'spec.py'
    spec.write_text(SPEC)
    result = run_tool(
        [tool('reproduce.py'),
         str(spec), '--teacher-ckpt', 'nowhere.pth'],
        cwd=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == (f'error: --teacher-ckpt {tmp_path}/nowhere.pth: '
                             'no such file\n')


def test_slurm_needs_a_partition(tmp_path):
    spec = tmp_path / 'spec.py'
    spec.write_text(SPEC)
    result = run_tool([tool('reproduce.py'),
                       str(spec), '--launcher', 'slurm'],
                      cwd=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == 'error: --launcher slurm needs --partition\n'


def test_a_failed_run_is_one_line_and_the_others_finish(
        fake_reproduce, capsys):
    main, calls = fake_reproduce
    calls.fail = 'student_seed0'
    with pytest.raises(SystemExit) as exit_:
        main('--max-parallel', '2')
    assert exit_.value.code == 1
    out, err = capsys.readouterr()
    assert '[2/5] student seed 0: FAILED: tools/train.py ... failed' in out
    assert out.count(': finished in') == 4
    assert err == ('error: 1 of 5 runs failed ([2/5] student seed 0) after '
                   '0 min; run the command again to retry them\n')
