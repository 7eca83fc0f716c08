# Copyright (c) uet_mmdet authors. All rights reserved.
import pytest


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory) -> str:
    """A tiny copy of the embedded demo dataset (12 train / 6 val images)."""
    from uet_mmdet.datasets import generate_demo_dataset
    root = str(tmp_path_factory.mktemp('uet_demo'))
    generate_demo_dataset(root, num_train=12, num_val=6, img_size=128, seed=3)
    return root
