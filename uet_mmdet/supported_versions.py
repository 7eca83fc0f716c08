# Copyright (c) uet_mmdet authors. All rights reserved.
"""The OpenMMLab releases uet_mmdet supports: ``[minimum, bound)``.

One table for both ``setup.py`` (install metadata) and the import-time check
in ``uet_mmdet/__init__.py``. No imports here: ``setup.py`` executes this file.

- mmcv: mmdet 3.3 refuses mmcv >= 2.2 at import; 2.1.0 is what the setup
  script builds. Not an install requirement (a plain ``pip install`` would
  build it without torch): install it first with ``mim install "mmcv==2.1.0"``
  or ``tools/misc/setup_env.sh``; the import check says so when it is missing.
- mmengine: mmdet 3.3's own range; the compat layer only uses
  ``CheckpointLoader.register_scheme`` and ``HistoryBuffer``, both older than
  0.7.1. Tested: 0.10.7.
- mmdet: the COCO configs inherit ``mmdet::`` 3.3 config files (renamed and
  moved between 3.x minors). Tested: 3.3.0.
- mmrazor: the compat stub replaces one module of 1.0.0 by its exact name.
"""

SUPPORTED = {
    'mmcv': ('2.0.0', '2.2.0'),
    'mmengine': ('0.7.1', '1.0.0'),
    'mmdet': ('3.3.0', '3.4.0'),
    'mmrazor': ('1.0.0', '1.0.1'),
}
# installed by pip with uet_mmdet; mmcv is checked at import only
PIP_INSTALLED = ('mmengine', 'mmdet', 'mmrazor')
MMCV_INSTALL = 'mim install "mmcv==2.1.0"'


def requirement(package: str) -> str:
    """``package>=minimum,<bound`` (``==`` for a single release)."""
    minimum, bound = SUPPORTED[package]
    if package == 'mmrazor':
        return f'{package}=={minimum}'
    return f'{package}>={minimum},<{bound}'
