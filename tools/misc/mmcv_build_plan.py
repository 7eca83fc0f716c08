# Copyright (c) uet_mmdet authors. All rights reserved.
"""How tools/misc/setup_env.sh installs mmcv in the Python that runs this file.

    python tools/misc/mmcv_build_plan.py           # shell assignments
    python tools/misc/mmcv_build_plan.py --verify  # after the install

Standard library only: torch and mmcv are probed when importable. An error is
one line on stderr and exit status 2.
"""
import argparse
import os
import os.path as osp
import re
import shlex
import shutil
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

MMCV_VERSION = '2.1.0'
CPU_ONLY = 'not available'  # mmcv.ops.get_compiling_cuda_version() of CPU ops
# compiled for when neither the user nor a visible GPU names the targets
COMMON_ARCHS = '7.0;7.5;8.0;8.6;8.9;9.0+PTX'
COMMON_ARCHS_BEFORE_11_8 = '7.0;7.5;8.0;8.6+PTX'


class PlanError(Exception):
    """A setting the setup cannot build with."""


def probe_torch() -> Optional[Dict]:
    try:
        import torch
    except ImportError:
        return None
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return dict(
        version=torch.__version__,
        cuda=torch.version.cuda,
        capabilities=[
            torch.cuda.get_device_capability(i) for i in range(gpus)
        ])


def find_cuda_home() -> Optional[str]:
    """The toolkit torch's extension builder would use."""
    for name in ('CUDA_HOME', 'CUDA_PATH'):
        if os.environ.get(name):
            return os.environ[name]
    nvcc = shutil.which('nvcc')
    if nvcc:
        return osp.dirname(osp.dirname(osp.realpath(nvcc)))
    return '/usr/local/cuda' if osp.isdir('/usr/local/cuda') else None


def nvcc_release(cuda_home: Optional[str]) -> Optional[str]:
    nvcc = osp.join(cuda_home or '', 'bin', 'nvcc')
    if not cuda_home or not os.access(nvcc, os.X_OK):
        return None
    out = subprocess.run([nvcc, '--version'], capture_output=True,
                         text=True).stdout
    found = re.search(r'release (\d+\.\d+)', out)
    return found.group(1) if found else 'unknown'


def major_minor(version: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in version.split('.')[:2])


def arch_list(torch_info: Dict, nvcc_cuda: str) -> Tuple[str, str]:
    if os.environ.get('TORCH_CUDA_ARCH_LIST'):
        return os.environ['TORCH_CUDA_ARCH_LIST'], 'TORCH_CUDA_ARCH_LIST'
    visible = sorted(set(torch_info['capabilities']))
    if visible:
        return ';'.join(f'{a}.{b}' for a, b in visible), 'visible GPUs'
    if nvcc_cuda != 'unknown' and major_minor(nvcc_cuda) < (11, 8):
        return COMMON_ARCHS_BEFORE_11_8, 'no visible GPU: common GPUs'
    return COMMON_ARCHS, 'no visible GPU: common GPUs'


def build_jobs() -> Tuple[str, str]:
    if os.environ.get('MAX_JOBS'):
        return os.environ['MAX_JOBS'], 'MAX_JOBS'
    cores = (
        len(os.sched_getaffinity(0))
        if hasattr(os, 'sched_getaffinity') else os.cpu_count())
    return str(cores or 1), 'cores'


def installed_mmcv() -> Optional[Dict]:
    """mmcv's version and the CUDA its ops were compiled with, if usable."""
    try:
        import mmcv
        from mmcv.ops import get_compiling_cuda_version
    except Exception:  # a missing or broken mmcv is reinstalled
        return None
    return dict(
        version=mmcv.__version__, ops_cuda=get_compiling_cuda_version())


def choose_ops(torch_info: Dict, cuda_home: Optional[str],
               nvcc_cuda: Optional[str]) -> Tuple[str, str]:
    wanted = os.environ.get('MMCV_OPS', 'auto')
    if wanted not in ('auto', 'cpu', 'cuda'):
        raise PlanError(f'MMCV_OPS={wanted}: use auto, cpu or cuda')
    torch_cuda = torch_info['cuda']
    if wanted == 'cpu':
        return 'cpu', 'MMCV_OPS=cpu'
    if torch_cuda is None:
        if wanted == 'cuda':
            raise PlanError(f'MMCV_OPS=cuda but torch {torch_info["version"]}'
                            ' is a CPU build: install a CUDA torch first')
        return 'cpu', f'torch {torch_info["version"]} is a CPU build'
    if nvcc_cuda is None:
        if wanted == 'cuda' or torch_info['capabilities']:
            where = f'in {cuda_home}/bin' if cuda_home else 'on PATH'
            raise PlanError(
                f'torch {torch_info["version"]} uses CUDA {torch_cuda} but no '
                f'nvcc was found {where}: install the CUDA {torch_cuda} '
                'toolkit and set CUDA_HOME to it (or MMCV_OPS=cpu for '
                'CPU-only ops)')
        return 'cpu', (f'torch uses CUDA {torch_cuda} but neither nvcc nor a '
                       'GPU is here: CPU-only ops (MMCV_OPS=cuda to refuse)')
    if (nvcc_cuda != 'unknown'
            and major_minor(nvcc_cuda)[0] != major_minor(torch_cuda)[0]):
        raise PlanError(f'nvcc in {cuda_home} is CUDA {nvcc_cuda} but torch '
                        f'{torch_info["version"]} uses CUDA {torch_cuda}: set '
                        f'CUDA_HOME to a CUDA {torch_cuda} toolkit')
    return 'cuda', f'torch uses CUDA {torch_cuda}, nvcc CUDA {nvcc_cuda}'


def choose_mmcv_action(ops: str) -> Tuple[str, str]:
    mmcv = installed_mmcv()
    if mmcv is None:
        return 'install', 'mmcv with ops is not installed'
    if mmcv['version'] != MMCV_VERSION:
        return 'install', f'mmcv {mmcv["version"]} is installed'
    if ops == 'cuda' and mmcv['ops_cuda'] == CPU_ONLY:
        return 'rebuild', (f'refusing the installed CPU-only mmcv '
                           f'{MMCV_VERSION}: rebuilding without pip\'s cache')
    return 'keep', f'mmcv {MMCV_VERSION} with {ops} ops is installed'


def make_plan() -> Dict[str, str]:
    torch_info = probe_torch()
    if torch_info is None:
        return dict(TORCH='')
    cuda_home = find_cuda_home()
    nvcc_cuda = nvcc_release(cuda_home)
    ops, ops_reason = choose_ops(torch_info, cuda_home, nvcc_cuda)
    jobs, jobs_source = build_jobs()
    plan = dict(
        TORCH=torch_info['version'],
        TORCH_CUDA=torch_info['cuda'] or '',
        OPS=ops,
        OPS_REASON=ops_reason,
        JOBS=jobs,
        JOBS_SOURCE=jobs_source,
        CUDA_HOME='',
        ARCHS='',
        ARCHS_SOURCE='')
    if ops == 'cuda':
        plan['CUDA_HOME'] = cuda_home
        plan['ARCHS'], plan['ARCHS_SOURCE'] = arch_list(torch_info, nvcc_cuda)
    plan['MMCV_ACTION'], plan['MMCV_REASON'] = choose_mmcv_action(ops)
    return plan


def verify(ops: str) -> str:
    mmcv = installed_mmcv()
    if mmcv is None or mmcv['version'] != MMCV_VERSION:
        raise PlanError(f'mmcv {MMCV_VERSION} with ops does not import after '
                        'the install: see the pip output above')
    if ops == 'cuda' and mmcv['ops_cuda'] == CPU_ONLY:
        raise PlanError(f'mmcv {MMCV_VERSION} was built with CPU-only ops '
                        'although CUDA ops were asked for: rerun with '
                        'FORCE_CUDA=1 and pip\'s --no-cache-dir')
    if mmcv['ops_cuda'] == CPU_ONLY:
        return f'mmcv {MMCV_VERSION} with CPU ops'
    return f'mmcv {MMCV_VERSION} with ops compiled for CUDA {mmcv["ops_cuda"]}'


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--verify',
        choices=('cpu', 'cuda'),
        help='check the installed mmcv has these ops')
    return parser.parse_args(argv)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    try:
        if args.verify:
            print(f'[setup] {verify(args.verify)}')
            return 0
        plan = make_plan()
    except PlanError as error:
        print(f'setup: {error}', file=sys.stderr)
        return 2
    for key, value in plan.items():
        print(f'PLAN_{key}={shlex.quote(value)}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
