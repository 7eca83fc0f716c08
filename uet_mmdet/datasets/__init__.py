# Copyright (c) uet_mmdet authors. All rights reserved.
from .demo_data import DEMO_CLASSES, generate_demo_dataset
from .relabel import relabel_coco

__all__ = ['DEMO_CLASSES', 'generate_demo_dataset', 'relabel_coco']
