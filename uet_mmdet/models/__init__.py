# Copyright (c) uet_mmdet authors. All rights reserved.
from .algorithms import StudentFromTeacherDistill
from .detector_from_config import build_detector_from_config
from .distillers import UETDistiller
from .estimators import (FeatureDropout, HeadDropout, HeadMoments,
                         LayerMoments, ModuleDropout, TeacherEstimator)
from .hosts import HOST_ADAPTERS, HostAdapter
from .losses import (DenseKDLoss, DenseLDLoss, FGDLoss, GlobalContextBlock,
                     UETLoss)
from .uet import UETConfigError, UETSettings

__all__ = [
    'build_detector_from_config', 'DenseKDLoss', 'DenseLDLoss', 'FGDLoss',
    'FeatureDropout', 'GlobalContextBlock', 'HOST_ADAPTERS', 'HeadDropout',
    'HeadMoments', 'HostAdapter', 'LayerMoments', 'ModuleDropout',
    'StudentFromTeacherDistill', 'TeacherEstimator', 'UETConfigError',
    'UETDistiller', 'UETLoss', 'UETSettings'
]
