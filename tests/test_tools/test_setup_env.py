# Copyright (c) uet_mmdet authors. All rights reserved.
"""setup_env.sh's decisions with a stub torch, a stub mmcv and a fake nvcc."""
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SETUP = osp.join(REPO_ROOT, 'tools', 'misc', 'setup_env.sh')
PLAN_HELPER = osp.join(REPO_ROOT, 'tools', 'misc', 'mmcv_build_plan.py')
CPU_ONLY = 'not available'

TORCH_STUB = '''
__version__ = {version!r}
class version:
    cuda = {cuda!r}
class cuda:
    is_available = staticmethod(lambda: {capabilities!r} != [])
    device_count = staticmethod(lambda: len({capabilities!r}))
    get_device_capability = staticmethod(lambda i: {capabilities!r}[i])
'''
NVCC_STUB = '#!/bin/sh\necho "Cuda compilation tools, release {0}, V{0}.105"\n'


class Machine:
    """A tmp dir holding the stubs, an interpreter and the environment."""

    def __init__(self, root) -> None:
        self.root = root
        self.stubs = root / 'stubs'
        self.stubs.mkdir()
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ('VENV', 'CUDA_HOME', 'CUDA_PATH', 'MMCV_OPS',
                           'TORCH_CUDA_ARCH_LIST', 'MAX_JOBS', 'PYTHONPATH')
        }
        self.env.update(PYTHONPATH=str(self.stubs), CUDA_HOME=str(root / 'no'))
        self.python = self.interpreter('base')

    def interpreter(self, name: str) -> str:
        """A bare env dir: bin/python only, no activate (like a conda env)."""
        bin_dir = self.root / name / 'bin'
        bin_dir.mkdir(parents=True)
        (bin_dir / 'python').symlink_to(osp.realpath(sys.executable))
        return str(bin_dir / 'python')

    def torch(self, version='2.1.2+cu121', cuda='12.1', capabilities=()):
        (self.stubs / 'torch').mkdir()
        (self.stubs / 'torch' / '__init__.py').write_text(
            TORCH_STUB.format(
                version=version, cuda=cuda, capabilities=list(capabilities)))

    def mmcv(self, ops_cuda=CPU_ONLY, version='2.1.0'):
        (self.stubs / 'mmcv' / 'ops').mkdir(parents=True)
        (self.stubs / 'mmcv' /
         '__init__.py').write_text(f'__version__ = {version!r}\n')
        (self.stubs / 'mmcv' / 'ops' / '__init__.py').write_text(
            f'def get_compiling_cuda_version():\n    return {ops_cuda!r}\n')

    def no_mmcv(self):
        (self.stubs / 'mmcv').mkdir()
        (self.stubs / 'mmcv' / '__init__.py').write_text('raise ImportError\n')

    def nvcc(self, release='12.1') -> str:
        bin_dir = self.root / 'cuda' / 'bin'
        bin_dir.mkdir(parents=True)
        (bin_dir / 'nvcc').write_text(NVCC_STUB.format(release))
        (bin_dir / 'nvcc').chmod(0o755)
        self.env['CUDA_HOME'] = str(self.root / 'cuda')
        return str(bin_dir)

    def setup(self, *args, **env) -> subprocess.CompletedProcess:
        env = {'VENV': str(self.root / 'base'), **self.env, **env}
        return subprocess.run(['bash', SETUP, '--plan', *args],
                              env=env,
                              capture_output=True,
                              text=True,
                              timeout=60)


@pytest.fixture
def machine(tmp_path) -> Machine:
    return Machine(tmp_path)


def plan_of(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def one_line_error(result) -> str:
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('setup: '), result.stderr
    return lines[0]


def test_cpu_torch_builds_cpu_ops_even_with_nvcc(machine):
    machine.torch(version='2.13.0+cpu', cuda=None)
    machine.mmcv()
    machine.nvcc()
    plan = plan_of(machine.setup(MAX_JOBS='2'))
    assert '(existing, used through its bin/python)' in plan
    assert 'torch: keep 2.13.0+cpu' in plan
    assert 'mmcv ops: cpu (torch 2.13.0+cpu is a CPU build); MAX_JOBS=2' \
        in plan
    assert 'mmcv: keep' in plan


def test_cpu_torch_without_mmcv_installs_it_with_cpu_ops(machine):
    machine.torch(version='2.13.0+cpu', cuda=None)
    machine.no_mmcv()
    plan = plan_of(machine.setup())
    assert 'mmcv ops: cpu' in plan
    assert 'mmcv: install (mmcv with ops is not installed)' in plan


def test_new_venv_keeps_the_base_cuda_torch(machine):
    machine.torch(capabilities=[(9, 0)])
    machine.mmcv(ops_cuda='12.1')
    machine.nvcc()
    plan = plan_of(
        machine.setup(VENV=str(machine.root / 'new'), PYTHON=machine.python))
    assert '(new venv from ' + machine.python + ' --system-site-packages)' \
        in plan
    assert 'torch: keep 2.1.2+cu121' in plan
    assert 'mmcv: keep (mmcv 2.1.0 with cuda ops is installed)' in plan


def test_new_venv_without_base_torch_installs_torch(machine):
    plan = plan_of(
        machine.setup(VENV=str(machine.root / 'new'), PYTHON=machine.python))
    assert 'without system site packages' in plan
    assert 'torch: would install torch==2.13.0' in plan


def test_no_system_site_packages_option(machine):
    machine.torch()
    plan = plan_of(
        machine.setup(
            '--no-system-site-packages',
            VENV=str(machine.root / 'new'),
            PYTHON=machine.python))
    assert 'torch: would install' in plan


def test_cpu_only_mmcv_is_refused_for_cuda_torch(machine):
    machine.torch(capabilities=[(8, 0), (9, 0), (8, 0)])
    machine.mmcv(ops_cuda=CPU_ONLY)
    machine.nvcc()
    plan = plan_of(machine.setup(MAX_JOBS='3'))
    assert 'mmcv ops: cuda (torch uses CUDA 12.1, nvcc CUDA 12.1)' in plan
    assert f'CUDA_HOME={machine.root}/cuda' in plan
    assert 'TORCH_CUDA_ARCH_LIST=8.0;9.0 (visible GPUs)' in plan
    assert 'MAX_JOBS=3 (MAX_JOBS)' in plan
    assert 'mmcv: rebuild (refusing the installed CPU-only mmcv 2.1.0' in plan


def test_nvcc_found_on_path_and_user_arch_list(machine):
    machine.torch()
    machine.no_mmcv()
    fake_bin = machine.nvcc()
    del machine.env['CUDA_HOME']
    plan = plan_of(
        machine.setup(
            PATH=fake_bin + os.pathsep + machine.env['PATH'],
            TORCH_CUDA_ARCH_LIST='8.6'))
    assert 'mmcv ops: cuda' in plan
    assert 'TORCH_CUDA_ARCH_LIST=8.6 (TORCH_CUDA_ARCH_LIST)' in plan
    assert 'mmcv: install' in plan


def test_no_visible_gpu_builds_for_common_gpus(machine):
    machine.torch()
    machine.mmcv()
    machine.nvcc()
    plan = plan_of(machine.setup())
    assert ('TORCH_CUDA_ARCH_LIST=7.0;7.5;8.0;8.6;8.9;9.0+PTX '
            '(no visible GPU: common GPUs)') in plan
    assert 'mmcv: rebuild' in plan


def test_cuda_torch_with_gpu_and_no_nvcc_fails_in_one_line(machine):
    machine.torch(capabilities=[(8, 0)])
    machine.mmcv()
    error = one_line_error(machine.setup())
    assert 'torch 2.1.2+cu121 uses CUDA 12.1 but no nvcc' in error
    assert 'install the CUDA 12.1 toolkit and set CUDA_HOME' in error


def test_cuda_torch_without_gpu_or_nvcc(machine):
    machine.torch()
    machine.mmcv()
    plan = plan_of(machine.setup())
    assert 'mmcv ops: cpu (torch uses CUDA 12.1 but neither nvcc nor a GPU' \
        in plan
    error = one_line_error(machine.setup(MMCV_OPS='cuda'))
    assert 'no nvcc was found' in error


def test_nvcc_of_another_cuda_major_fails(machine):
    machine.torch()
    machine.mmcv()
    machine.nvcc(release='11.8')
    error = one_line_error(machine.setup())
    assert 'is CUDA 11.8 but torch 2.1.2+cu121 uses CUDA 12.1' in error


def test_verify_refuses_cpu_only_mmcv_after_a_cuda_build(machine):
    machine.mmcv(ops_cuda=CPU_ONLY)
    result = subprocess.run([machine.python, PLAN_HELPER, '--verify', 'cuda'],
                            env=machine.env,
                            capture_output=True,
                            text=True)
    assert 'built with CPU-only ops' in one_line_error(result)
    machine_ok = subprocess.run(
        [machine.python, PLAN_HELPER, '--verify', 'cpu'],
        env=machine.env,
        capture_output=True,
        text=True)
    assert machine_ok.returncode == 0, machine_ok.stderr


def test_unknown_option_and_syntax(machine):
    assert 'unknown option --gpu' in one_line_error(machine.setup('--gpu'))
    syntax = subprocess.run(['bash', '-n', SETUP], capture_output=True)
    assert syntax.returncode == 0, syntax.stderr
