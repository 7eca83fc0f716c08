# Copyright (c) uet_mmdet authors. All rights reserved.
"""Let mmengine configs inherit ``uet_mmdet::<dir>/<file>.py``.

mmengine resolves ``pkg::path`` only for packages in its fixed
``MODULE2PACKAGE`` table, under ``<installed path>/.mim/configs`` (setup.py
puts the configs there). Its installed path comes from ``pkg_resources``,
which points an editable (PEP 660) install at site-packages, where there is no
``uet_mmdet`` folder; this module answers with the imported package instead.
Both take effect once ``uet_mmdet`` is imported, so a config outside the
repository that inherits ``uet_mmdet::`` loads in a process that imported
``uet_mmdet`` first (the tools do; so does ``mim train uet_mmdet``).
"""
import os.path as osp

import mmengine.config.config as mmengine_config
from mmengine.config.utils import MODULE2PACKAGE

PACKAGE = 'uet_mmdet'
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _installed_path(get_installed_path):

    def installed_path(package: str) -> str:
        if package == PACKAGE:
            return PACKAGE_DIR
        return get_installed_path(package)

    installed_path.wrapped = get_installed_path
    return installed_path


def install_config_scope() -> None:
    """Register ``uet_mmdet::`` with mmengine's config loader (idempotent)."""
    MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)
    current = mmengine_config.get_installed_path
    if not hasattr(current, 'wrapped'):
        mmengine_config.get_installed_path = _installed_path(current)


__all__ = ['install_config_scope', 'PACKAGE_DIR']
