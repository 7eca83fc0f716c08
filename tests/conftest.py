# Copyright (c) uet_mmdet authors. All rights reserved.
import shutil

import pytest


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory) -> str:
    """A tiny copy of the embedded demo dataset (12 train / 6 val images)."""
    from uet_mmdet.datasets import generate_demo_dataset
    root = str(tmp_path_factory.mktemp('uet_demo'))
    generate_demo_dataset(root, num_train=12, num_val=6, img_size=128, seed=3)
    return root


@pytest.fixture(scope='module')
def module_tmp_path(request, tmp_path_factory):
    """A folder shared by one test module's tests, removed after them
    unless one of them failed.

    Note:
        The checkpoints the modules write add up to gigabytes; pytest keeps
        ``tmp_path_factory`` folders until the session ends, so a fresh
        clone's run would hold them all at once.
    """
    path = tmp_path_factory.mktemp(request.module.__name__.split('.')[-1])
    failed = request.session.testsfailed
    yield path
    if request.session.testsfailed == failed:
        shutil.rmtree(path, ignore_errors=True)
