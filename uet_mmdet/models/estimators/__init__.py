# Copyright (c) uet_mmdet authors. All rights reserved.
"""ESTIMATE: teacher-uncertainty estimators, one registered class each in
:data:`uet_mmdet.registry.ESTIMATORS`; ``uet.level`` names the one used."""
from .base import TeacherEstimator, deterministic
from .feature_dropout import FeatureDropout
from .head_dropout import HeadDropout
from .head_moments import HeadMoments
from .layer_moments import LayerMoments
from .module_dropout import ModuleDropout

__all__ = [
    'FeatureDropout', 'HeadDropout', 'HeadMoments', 'LayerMoments',
    'ModuleDropout', 'TeacherEstimator', 'deterministic'
]
