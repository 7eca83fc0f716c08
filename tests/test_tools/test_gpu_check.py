# Copyright (c) uet_mmdet authors. All rights reserved.
"""tools/misc/gpu_check.sh without a GPU: its refusal and a CPU smoke run."""
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GPU_CHECK = osp.join(REPO_ROOT, 'tools', 'misc', 'gpu_check.sh')


def gpu_check(*args, **env) -> subprocess.CompletedProcess:
    env = {**os.environ, 'PYTHON': sys.executable, **env}
    return subprocess.run(['bash', GPU_CHECK, *args],
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)


def test_gpu_check_syntax():
    result = subprocess.run(['bash', '-n', GPU_CHECK], capture_output=True)
    assert result.returncode == 0, result.stderr


def test_gpu_check_refuses_without_a_cuda_device(tmp_path):
    work_dir = tmp_path / 'gpu_check'
    result = gpu_check('--work-dir', str(work_dir), CUDA_VISIBLE_DEVICES='')
    assert result.returncode == 2, result.stdout
    assert result.stderr.strip().splitlines() == [
        result.stderr.strip()
    ] and result.stderr.startswith('gpu_check: no CUDA device is visible')
    assert '--device cpu --quick' in result.stderr
    assert not work_dir.exists()


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get('UET_GPU_CHECK_SMOKE'),
    reason='about 4 min on 2 cores: UET_GPU_CHECK_SMOKE=1')
def test_gpu_check_quick_cpu_smoke_run(tmp_path):
    """The whole script on CPU, 2-4 minutes on 2 cores."""
    work_dir = tmp_path / 'gpu_check'
    result = gpu_check('--device', 'cpu', '--quick', '--work-dir',
                       str(work_dir))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    summary = (work_dir / 'summary.md').read_text()
    assert summary in result.stdout
    for run in ('teacher', 'fgd_fp32', 'fgd_uet_fp32'):
        assert (work_dir / run / 'metrics.json').is_file()
        assert f'| {run} | ' in summary
    assert '| fgd_amp | not run |' in summary
    assert '| FGD+UET / FGD, fp32 | ' in summary
    assert '| uet-feature-K2 | ' in summary
