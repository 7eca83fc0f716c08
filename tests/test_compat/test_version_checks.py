# Copyright (c) uet_mmdet authors. All rights reserved.
import pytest

import uet_mmdet


def test_wrong_version_gives_clear_import_error(monkeypatch):
    monkeypatch.setitem(uet_mmdet._SUPPORTED, 'mmcv', ('9.0.0', '9.1.0'))
    with pytest.raises(ImportError, match=r'mmcv==2\.1\.0 is installed but'):
        uet_mmdet._check_version('mmcv')


def test_missing_package_gives_clear_import_error(monkeypatch):
    monkeypatch.setitem(uet_mmdet._SUPPORTED, 'not_a_package', ('1', '2'))
    with pytest.raises(ImportError, match='is not installed'):
        uet_mmdet._check_version('not_a_package')
