# Copyright (c) uet_mmdet authors. All rights reserved.
"""Registries of uet_mmdet's own extension points, and the ``uet_mmdet``
scope.

A config that inherits ``uet_mmdet::…`` gets ``_scope_='uet_mmdet'`` on its
built objects (mmengine does that for every ``pkg::`` base), and mmengine then
imports this module and looks for registries of that scope. Each of mmdet's
registries has a ``uet_mmdet`` child here with nothing of its own, so such an
object is found exactly as under the ``mmdet`` scope the configs are written
for (explicit ``_scope_='mmrazor'`` entries keep theirs).
"""
import mmdet.registry as _mmdet_registry
from mmengine.registry import Registry

# Teacher-uncertainty estimators, keyed by the name ``uet.level`` gives.
ESTIMATORS = Registry(
    'uet estimator', locations=['uet_mmdet.models.estimators'])

SCOPED = {
    name: Registry(parent.name, parent=parent, scope='uet_mmdet')
    for name, parent in vars(_mmdet_registry).items()
    if isinstance(parent, Registry) and parent.scope == 'mmdet'
}

__all__ = ['ESTIMATORS', 'SCOPED']
