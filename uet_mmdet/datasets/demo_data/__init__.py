# Copyright (c) uet_mmdet authors. All rights reserved.
"""Deterministic, seeded generator of a synthetic COCO detection dataset.

The images show randomly textured objects of :data:`DEMO_CLASSES` (shape is
the only class cue) among unannotated look-alike distractors. Layout written
by :func:`generate_demo_dataset`::

    out_dir/
        train/000000.png ...
        val/000000.png ...
        annotations/instances_train.json
        annotations/instances_train_clean.json   # before annotation noise
        annotations/instances_val.json
        meta.json          # arguments and counts; written last

Each image is rendered from its own child seed ``(seed, split, index)``, so
the output is byte-identical for identical arguments; the annotation noise
arguments only perturb the train annotations, never the images. Only numpy
and the standard library are needed.
"""
from .generator import GENERATOR_VERSION, generate_demo_dataset
from .shapes import DEMO_CLASSES

__all__ = ['DEMO_CLASSES', 'GENERATOR_VERSION', 'generate_demo_dataset']
