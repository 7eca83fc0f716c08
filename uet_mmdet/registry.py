# Copyright (c) uet_mmdet authors. All rights reserved.
"""Registries of uet_mmdet's own extension points."""
from mmengine.registry import Registry

# Teacher-uncertainty estimators, keyed by the name ``uet.level`` gives.
ESTIMATORS = Registry(
    'uet estimator', locations=['uet_mmdet.models.estimators'])

__all__ = ['ESTIMATORS']
