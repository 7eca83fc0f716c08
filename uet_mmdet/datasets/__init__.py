# Copyright (c) uet_mmdet authors. All rights reserved.
from .coco_check import (KEEP_KEY, PROBLEM_KINDS, REPORTED_ONLY, DataProblem,
                         DatasetCheckError, DatasetReport, check_coco_dataset,
                         class_count_problems, drop_images)
from .demo_data import DEMO_CLASSES, generate_demo_dataset
from .relabel import relabel_coco

__all__ = [
    'DEMO_CLASSES', 'KEEP_KEY', 'PROBLEM_KINDS', 'REPORTED_ONLY',
    'DataProblem', 'DatasetCheckError', 'DatasetReport', 'check_coco_dataset',
    'class_count_problems', 'drop_images', 'generate_demo_dataset',
    'relabel_coco'
]
