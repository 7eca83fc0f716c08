# Copyright (c) uet_mmdet authors. All rights reserved.
"""uet_mmdet: uncertainty-aware knowledge distillation for MMDetection 3.x."""
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

from mmengine.utils import digit_version

from .supported_versions import MMCV_INSTALL, SUPPORTED
from .version import __version__

# package: (minimum, bound exclusive); setup.py states the same ranges
_SUPPORTED = dict(SUPPORTED)


def _how_to_install(package: str, wanted: str) -> str:
    if package == 'mmcv':
        return (f'install it with `{MMCV_INSTALL}` or '
                'tools/misc/setup_env.sh (pip does not install mmcv for '
                'uet_mmdet)')
    return f'run `pip install "{wanted}"`'


def _check_version(package: str) -> None:
    minimum, bound = _SUPPORTED[package]
    wanted = f'{package}>={minimum},<{bound}'
    try:
        found = _dist_version(package)
    except PackageNotFoundError:
        advice = _how_to_install(package, wanted)
        raise ImportError(f'uet_mmdet needs {wanted}; {package} is not '
                          f'installed: {advice}.') from None
    if not digit_version(minimum) <= digit_version(found) < digit_version(
            bound):
        raise ImportError(
            f'{package}=={found} is installed but uet_mmdet {__version__} '
            f'needs {wanted}: {_how_to_install(package, wanted)}.')


def _check_mmcv_ops() -> None:
    from importlib.util import find_spec
    if find_spec('mmcv._ext') is None:
        raise ImportError(
            'mmcv is installed without its compiled ops (mmcv._ext, e.g. '
            'mmcv-lite or a build with MMCV_WITH_OPS=0); uet_mmdet needs '
            f'them: install mmcv with `{MMCV_INSTALL}` or '
            'tools/misc/setup_env.sh.')


for _package in _SUPPORTED:
    _check_version(_package)
_check_mmcv_ops()

# compat must run before anything imports mmrazor.
from . import compat  # noqa: E402,F401,I001
from . import datasets, engine, models, utils  # noqa: E402,F401

__all__ = ['__version__']
