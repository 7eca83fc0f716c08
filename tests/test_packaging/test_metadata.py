# Copyright (c) uet_mmdet authors. All rights reserved.
"""Install metadata: version ranges agree with the import check, no mmcv."""
import os.path as osp
from importlib.metadata import metadata, requires

import pytest
from mmengine.utils import digit_version
from packaging.requirements import Requirement

import uet_mmdet
from uet_mmdet.supported_versions import PIP_INSTALLED, SUPPORTED
from ..helpers import REPO_ROOT


def _requirements():
    return [Requirement(line) for line in requires('uet_mmdet')]


def test_install_requires_are_the_checked_ranges():
    found = {req.name: req for req in _requirements() if req.marker is None}
    assert 'mmcv' not in found  # a prerequisite, never built by pip
    for package in PIP_INSTALLED:
        minimum, bound = SUPPORTED[package]
        spec = found[package].specifier
        assert minimum in spec and bound not in spec, package
    assert uet_mmdet._SUPPORTED == SUPPORTED


def test_tests_extra_has_openmim_and_license_is_declared():
    extra = [
        req.name for req in _requirements()
        if req.marker and req.marker.evaluate({'extra': 'tests'})
    ]
    assert 'openmim' in extra
    meta = metadata('uet_mmdet')
    assert meta['License'] == 'Apache-2.0'
    assert {'LICENSE', 'NOTICE'} <= set(meta.get_all('License-File'))
    with open(osp.join(REPO_ROOT, 'NOTICE')) as f:
        assert 'github.com/yzd-v/FGD' in f.read()


def test_installed_versions_pass_the_check():
    for package, (minimum, bound) in SUPPORTED.items():
        uet_mmdet._check_version(package)
        assert digit_version(minimum) < digit_version(bound)


def test_mmcv_without_ops_gives_one_line(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda name, *a: None
        if name == 'mmcv._ext' else real(name, *a))
    with pytest.raises(ImportError, match='mim install "mmcv==2.1.0"') as e:
        uet_mmdet._check_mmcv_ops()
    assert '\n' not in str(e.value)


def test_missing_mmcv_says_how_to_install():
    advice = uet_mmdet._how_to_install('mmcv', 'mmcv>=2.0.0,<2.2.0')
    assert 'mim install "mmcv==2.1.0"' in advice
    assert 'setup_env.sh' in advice
