# Copyright (c) uet_mmdet authors. All rights reserved.
"""Writes (or reuses) the whole demo dataset: both splits and meta.json."""
import json
import os
from dataclasses import asdict
from typing import Any, Dict, Optional, Tuple

import numpy as np

from uet_mmdet.errors import UserInputError
from .annotation_noise import NoiseConfig, noisy_annotations
from .coco_files import (SPLITS, clear_split, coco_annotation, coco_categories,
                         count_images, output_paths, png_bytes,
                         write_json_atomically)
from .rendering import RenderConfig, render_image
from .shapes import DEMO_CLASSES

__all__ = ['GENERATOR_VERSION', 'generate_demo_dataset']

# Bump whenever the rendering changes, so cached datasets are regenerated.
GENERATOR_VERSION = 2

_SPLIT_SEED_CODES = {'train': 0, 'val': 1}
_RENDER_STREAM = 0
_NOISE_STREAM = 1


def _image_rng(seed: int, split: str, index: int,
               stream: int) -> np.random.Generator:
    return np.random.default_rng(
        [seed, _SPLIT_SEED_CODES[split], index, stream])


def _write_annotations(ann_file: str, split: str, images: list,
                       objects_per_image: list) -> int:
    """Writes one COCO annotation file; returns the number of boxes."""
    annotations = []
    for record, objects in zip(images, objects_per_image):
        annotations.extend(
            coco_annotation(obj,
                            len(annotations) + 1, record['id'])
            for obj in objects)
    write_json_atomically(
        ann_file, {
            'info': {
                'description': 'uet_mmdet synthetic shapes demo',
                'version': str(GENERATOR_VERSION),
                'split': split,
            },
            'licenses': [],
            'images': images,
            'annotations': annotations,
            'categories': coco_categories(),
        })
    return len(annotations)


def _generate_split(split: str, num_images: int, paths: Dict[str, str],
                    cfg: RenderConfig,
                    noise: Optional[NoiseConfig]) -> Tuple[int, int]:
    """Renders and writes one split; returns ``(num_images, num_boxes)``.

    With ``noise``, the true boxes go to the split's clean annotation file
    and the noisy ones to its annotation file."""
    img_dir = paths[f'{split}_img_dir']
    os.makedirs(img_dir, exist_ok=True)
    clear_split(img_dir)
    images, clean, noisy = [], [], []
    for index in range(num_images):
        image, objects = render_image(
            _image_rng(cfg.seed, split, index, _RENDER_STREAM), cfg)
        height, width = image.shape[:2]
        clean.append(objects)
        if noise is not None:
            noisy.append(
                noisy_annotations(
                    _image_rng(cfg.seed, split, index, _NOISE_STREAM), objects,
                    noise, width, height))
        file_name = f'{index:06d}.png'
        with open(os.path.join(img_dir, file_name), 'wb') as f:
            f.write(png_bytes(image))
        images.append({
            'id': index + 1,
            'file_name': file_name,
            'width': width,
            'height': height
        })
    ann_file = paths[f'{split}_ann_file']
    if noise is None:
        return len(images), _write_annotations(ann_file, split, images, clean)
    _write_annotations(paths[f'{split}_clean_ann_file'], split, images, clean)
    return len(images), _write_annotations(ann_file, split, images, noisy)


def _is_complete(paths: Dict[str, str], arguments: Dict[str, Any]) -> bool:
    """Whether ``meta.json`` records ``arguments`` and all files exist."""
    try:
        with open(paths['meta_file']) as f:
            recorded = json.load(f).get('arguments')
    except (OSError, ValueError, AttributeError):
        return False
    return recorded == arguments and os.path.isfile(
        paths['train_clean_ann_file']) and all(
            os.path.isfile(paths[f'{split}_ann_file']) and count_images(
                paths[f'{split}_img_dir']) == arguments[f'num_{split}']
            for split in SPLITS)


def _validate_arguments(num_train: int, num_val: int, img_size: int, seed: int,
                        size_jitter: int, min_size: int, max_size: int,
                        max_objects: int, probabilities: Dict[str, float],
                        box_jitter: float, clutter: float) -> None:
    """Raises :class:`UserInputError` if an argument is out of range."""
    if num_train < 0 or num_val < 0:
        raise UserInputError('num_train and num_val must be >= 0')
    if seed < 0:
        raise UserInputError(f'seed must be >= 0, got {seed}')
    if size_jitter < 0:
        raise UserInputError('size_jitter must be >= 0')
    if not 2 <= min_size <= max_size:
        raise UserInputError(
            f'need 2 <= min_size <= max_size, got {min_size}, '
            f'{max_size}')
    if img_size - size_jitter - 4 < min_size:
        raise UserInputError(
            f'img_size - size_jitter - 4 must be >= min_size, '
            f'got {img_size} - {size_jitter} - 4 < {min_size}')
    if max_objects < 1:
        raise UserInputError('max_objects must be >= 1')
    for name, value in probabilities.items():
        if not 0.0 <= value <= 1.0:
            raise UserInputError(f'{name} must be in [0, 1], got {value}')
    if box_jitter < 0 or clutter < 0:
        raise UserInputError('box_jitter and clutter must be >= 0')


def generate_demo_dataset(out_dir: str,
                          num_train: int = 800,
                          num_val: int = 200,
                          img_size: int = 256,
                          seed: int = 0,
                          min_size: int = 8,
                          max_size: int = 96,
                          max_objects: int = 8,
                          box_jitter: float = 0.0,
                          drop_prob: float = 0.0,
                          flip_prob: float = 0.0,
                          overwrite: bool = False,
                          *,
                          clutter: float = 1.0,
                          low_contrast_prob: float = 0.15,
                          size_jitter: int = 16,
                          max_overlap: float = 0.5,
                          min_visibility: float = 0.3) -> Dict[str, str]:
    """Generates (or reuses) the synthetic COCO-format shapes dataset.

    If ``out_dir/meta.json`` records the same arguments and ``overwrite`` is
    False, nothing is written. Otherwise both splits are regenerated;
    ``meta.json`` is removed first and written last, so an interrupted run is
    never taken for a complete one.

    Args:
        out_dir: Output folder.
        num_train: Number of training images.
        num_val: Number of validation images.
        img_size: Nominal image height and width in pixels.
        seed: Base seed; image ``i`` of a split uses the child seed
            ``(seed, split, i)``.
        min_size: Smallest long side of an object box in pixels.
        max_size: Largest long side of an object box in pixels (capped at the
            image size minus 4). Sizes are log-uniform in between.
        max_objects: Each image holds 1 to ``max_objects`` objects (heavily
            occluded ones are drawn but not annotated).
        box_jitter: Train only: std of the box corner jitter, as a fraction of
            the box width (x) or height (y).
        drop_prob: Train only: probability of dropping an annotation.
        flip_prob: Train only: probability of replacing the label of an
            annotation with a different, random class.
        overwrite: Regenerate even if ``meta.json`` matches.
        clutter: Scales the number of distractors (blobs, lines), the
            background blotchiness and the pixel noise; 0 gives clean images.
        low_contrast_prob: Probability that an object is coloured close to the
            local background.
        size_jitter: Image height and width are drawn independently from
            ``img_size +- size_jitter``.
        max_overlap: Objects are placed (up to 12 tries) so that a box covers
            at most this fraction of the smaller of two boxes.
        min_visibility: Objects with a smaller visible fraction of their pixels
            are not annotated (their box would be the full object extent).

    Returns:
        Paths: ``data_root``, ``meta_file``, ``train_img_dir``,
        ``train_ann_file``, ``train_clean_ann_file`` (the train boxes before
        annotation noise), ``val_img_dir`` and ``val_ann_file``.

    Raises:
        UserInputError: If an argument is out of range.
    """
    probabilities = dict(
        drop_prob=drop_prob,
        flip_prob=flip_prob,
        low_contrast_prob=low_contrast_prob,
        max_overlap=max_overlap,
        min_visibility=min_visibility)
    _validate_arguments(num_train, num_val, img_size, seed, size_jitter,
                        min_size, max_size, max_objects, probabilities,
                        box_jitter, clutter)
    cfg = RenderConfig(
        seed=int(seed),
        img_size=int(img_size),
        size_jitter=int(size_jitter),
        min_size=int(min_size),
        max_size=int(max_size),
        max_objects=int(max_objects),
        clutter=float(clutter),
        low_contrast_prob=float(low_contrast_prob),
        max_overlap=float(max_overlap),
        min_visibility=float(min_visibility))
    noise = NoiseConfig(
        box_jitter=float(box_jitter),
        drop_prob=float(drop_prob),
        flip_prob=float(flip_prob))
    arguments = dict(
        generator_version=GENERATOR_VERSION,
        num_train=int(num_train),
        num_val=int(num_val),
        **asdict(cfg),
        **asdict(noise))
    paths = output_paths(os.fspath(out_dir))
    if not overwrite and _is_complete(paths, arguments):
        return paths

    if os.path.exists(paths['meta_file']):
        os.remove(paths['meta_file'])
    os.makedirs(os.path.dirname(paths['train_ann_file']), exist_ok=True)
    counts = {}
    for split, num_images in (('train', num_train), ('val', num_val)):
        counts[split] = _generate_split(split, num_images, paths, cfg,
                                        noise if split == 'train' else None)
    write_json_atomically(
        paths['meta_file'], {
            'arguments': arguments,
            'classes': list(DEMO_CLASSES),
            'num_images': {
                s: c[0]
                for s, c in counts.items()
            },
            'num_boxes': {
                s: c[1]
                for s, c in counts.items()
            },
        })
    return paths
