# Copyright (c) uet_mmdet authors. All rights reserved.
"""uet_mmdet: uncertainty-aware knowledge distillation for MMDetection 3.x."""
from importlib.metadata import PackageNotFoundError, version as _dist_version

from mmengine.utils import digit_version

from .version import __version__

_SUPPORTED = {
    # package: (minimum, maximum inclusive), pinned exactly by setup.py
    'mmcv': ('2.0.0', '2.1.0'),
    'mmengine': ('0.7.1', '0.10.7'),
    'mmdet': ('3.0.0', '3.3.0'),
    'mmrazor': ('1.0.0', '1.0.0'),
}


def _check_version(package: str) -> None:
    minimum, maximum = _SUPPORTED[package]
    try:
        found = _dist_version(package)
    except PackageNotFoundError:
        raise ImportError(f'uet_mmdet needs {package}>={minimum},<={maximum}; '
                          f'{package} is not installed. Run '
                          'tools/misc/setup_env.sh.') from None
    if not digit_version(minimum) <= digit_version(found) <= digit_version(
            maximum):
        raise ImportError(
            f'{package}=={found} is installed but uet_mmdet {__version__} '
            f'needs {package}>={minimum},<={maximum}. Run '
            'tools/misc/setup_env.sh or `pip install -e .` to get the pinned '
            'versions.')


for _package in _SUPPORTED:
    _check_version(_package)

# compat must run before anything imports mmrazor.
from . import compat  # noqa: E402,F401,I001
from . import datasets, engine, models, utils  # noqa: E402,F401

__all__ = ['__version__']
