"""Tests of the synthetic shapes dataset generator (real files, small)."""
import json
import os
import struct
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest

from uet_mmdet.datasets.demo_data import DEMO_CLASSES, generate_demo_dataset

SMALL = dict(num_train=20, num_val=8, img_size=128)
NOISE_TRAIN_IMAGES = 80


def _generate(root: Path, name: str, **kwargs: Any) -> Dict[str, str]:
    return generate_demo_dataset(str(root / name), **{**SMALL, **kwargs})


def _read_files(root: str) -> Dict[str, bytes]:
    """Relative path -> content of every file below ``root``."""
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, 'rb') as f:
                files[os.path.relpath(path, root)] = f.read()
    return files


def _split_files(root: str, split: str) -> Dict[str, bytes]:
    return {
        path: content
        for path, content in _read_files(root).items()
        if path.startswith(split + os.sep) or path.endswith(f'_{split}.json')
    }


def _load(ann_file: str) -> Dict[str, Any]:
    with open(ann_file) as f:
        return json.load(f)


def _png_size(path: str) -> Tuple[int, int]:
    """``(width, height)`` from the IHDR chunk of a PNG file."""
    with open(path, 'rb') as f:
        header = f.read(24)
    assert header[:8] == b'\x89PNG\r\n\x1a\n' and header[12:16] == b'IHDR'
    return struct.unpack('>II', header[16:24])


def _boxes_by_image(coco: Dict[str, Any]) -> Dict[int, List[Dict[str, Any]]]:
    by_image: Dict[int, List[Dict[str, Any]]] = {
        img['id']: []
        for img in coco['images']
    }
    for ann in coco['annotations']:
        by_image[ann['image_id']].append(ann)
    return by_image


def _modification_times(root: str) -> Dict[str, int]:
    return {
        os.path.join(folder, name): os.stat(os.path.join(folder,
                                                         name)).st_mtime_ns
        for folder, _, names in os.walk(root)
        for name in names
    }


def test_classes_are_distinct_and_enough():
    assert len(DEMO_CLASSES) >= 6
    assert len(set(DEMO_CLASSES)) == len(DEMO_CLASSES)


def test_same_seed_gives_identical_files(tmp_path):
    first = _generate(tmp_path, 'a', seed=3)
    second = _generate(tmp_path, 'b', seed=3)
    files = _read_files(first['data_root'])
    assert files == _read_files(second['data_root'])
    # images, meta.json and three annotation files (train clean and noisy)
    assert len(files) == SMALL['num_train'] + SMALL['num_val'] + 4


def test_different_seed_gives_different_data(tmp_path):
    first = _generate(tmp_path, 'a', seed=0)
    second = _generate(tmp_path, 'b', seed=1)
    for split in ('train', 'val'):
        first_files = _split_files(first['data_root'], split)
        second_files = _split_files(second['data_root'], split)
        assert first_files.keys() == second_files.keys()
        assert all(first_files[p] != second_files[p] for p in first_files)


def test_layout_and_split_sizes(tmp_path):
    paths = _generate(tmp_path, 'data')
    root = Path(paths['data_root'])
    assert paths['train_ann_file'] == str(root / 'annotations' /
                                          'instances_train.json')
    assert paths['val_ann_file'] == str(root / 'annotations' /
                                        'instances_val.json')
    assert paths['meta_file'] == str(root / 'meta.json')
    for split in ('train', 'val'):
        coco = _load(paths[f'{split}_ann_file'])
        expected = SMALL[f'num_{split}']
        assert paths[f'{split}_img_dir'] == str(root / split)
        assert len(coco['images']) == expected
        assert sorted(os.listdir(root / split)) == sorted(
            img['file_name'] for img in coco['images'])
    meta = _load(paths['meta_file'])
    assert meta['arguments']['num_train'] == SMALL['num_train']
    assert meta['num_images'] == {
        'train': SMALL['num_train'],
        'val': SMALL['num_val']
    }


@pytest.mark.parametrize('split', ['train', 'val'])
def test_coco_annotations_are_valid(tmp_path, split):
    paths = _generate(tmp_path, 'data', num_train=30, num_val=30)
    coco = _load(paths[f'{split}_ann_file'])
    categories = {cat['id']: cat['name'] for cat in coco['categories']}
    assert categories == {i + 1: n for i, n in enumerate(DEMO_CLASSES)}
    images = {img['id']: img for img in coco['images']}
    assert len(images) == len(coco['images'])
    sizes = set()
    for img in coco['images']:
        width, height = _png_size(
            os.path.join(paths[f'{split}_img_dir'], img['file_name']))
        assert (width, height) == (img['width'], img['height'])
        assert abs(width - 128) <= 16 and abs(height - 128) <= 16
        sizes.add((width, height))
    assert len(sizes) > 1, 'image sizes should vary to exercise padding'

    ann_ids = [ann['id'] for ann in coco['annotations']]
    assert len(set(ann_ids)) == len(ann_ids)
    long_sides = []
    for ann in coco['annotations']:
        img = images[ann['image_id']]
        x, y, w, h = ann['bbox']
        assert w > 0 and h > 0
        assert x >= 0 and y >= 0
        assert x + w <= img['width'] + 1e-6
        assert y + h <= img['height'] + 1e-6
        assert ann['category_id'] in categories
        assert ann['iscrowd'] == 0
        assert 0 < ann['area'] <= w * h * 1.01
        long_sides.append(max(w, h))
    assert all(_boxes_by_image(coco).values()), 'every image has a box'
    assert len({ann['category_id'] for ann in coco['annotations']}) >= 6
    assert 7.9 <= min(long_sides) < 16
    assert 60 < max(long_sides) <= 96.01


@pytest.fixture(scope='module')
def clean_and_noisy(tmp_path_factory):
    """A clean dataset and one per kind of annotation noise, same seed."""
    root = tmp_path_factory.mktemp('noise')
    common = dict(num_train=NOISE_TRAIN_IMAGES, num_val=6, seed=5)
    settings = {
        'clean': {},
        'jitter': dict(box_jitter=0.1),
        'drop': dict(drop_prob=0.3),
        'flip': dict(flip_prob=0.3),
        'all': dict(box_jitter=0.1, drop_prob=0.3, flip_prob=0.3),
    }
    return {
        name: _generate(root, name, **common, **noise)
        for name, noise in settings.items()
    }


@pytest.mark.parametrize('noise', ['jitter', 'drop', 'flip', 'all'])
def test_noise_leaves_images_and_val_untouched(clean_and_noisy, noise):
    clean_root = clean_and_noisy['clean']['data_root']
    noisy_root = clean_and_noisy[noise]['data_root']
    assert _split_files(clean_root, 'val') == _split_files(noisy_root, 'val')
    clean_train = _split_files(clean_root, 'train')
    noisy_train = _split_files(noisy_root, 'train')
    ann_path = os.path.join('annotations', 'instances_train.json')
    assert clean_train.pop(ann_path) != noisy_train.pop(ann_path)
    assert clean_train == noisy_train


@pytest.mark.parametrize('noise', ['jitter', 'drop', 'flip', 'all'])
def test_clean_train_annotations_are_the_boxes_before_noise(
        clean_and_noisy, noise):
    clean = _load(clean_and_noisy['clean']['train_ann_file'])
    written = _load(clean_and_noisy[noise]['train_clean_ann_file'])
    assert written == clean
    assert written != _load(clean_and_noisy[noise]['train_ann_file'])


def _train_boxes(paths: Dict[str, str]) -> Dict[int, List[Dict[str, Any]]]:
    return _boxes_by_image(_load(paths['train_ann_file']))


def test_drop_noise_removes_boxes_at_the_requested_rate(clean_and_noisy):
    clean = _train_boxes(clean_and_noisy['clean'])
    dropped = _train_boxes(clean_and_noisy['drop'])
    num_clean = sum(len(anns) for anns in clean.values())
    num_kept = 0
    for image_id, anns in dropped.items():
        clean_keys = [(a['bbox'], a['category_id']) for a in clean[image_id]]
        kept_keys = [(a['bbox'], a['category_id']) for a in anns]
        assert all(key in clean_keys for key in kept_keys)
        num_kept += len(kept_keys)
    assert 0.3 - 0.1 < 1 - num_kept / num_clean < 0.3 + 0.1


def test_flip_noise_changes_labels_at_the_requested_rate(clean_and_noisy):
    clean = _train_boxes(clean_and_noisy['clean'])
    flipped = _train_boxes(clean_and_noisy['flip'])
    changed = []
    for image_id, anns in flipped.items():
        assert [a['bbox']
                for a in anns] == [a['bbox'] for a in clean[image_id]]
        changed += [
            a['category_id'] != c['category_id']
            for a, c in zip(anns, clean[image_id])
        ]
    assert 0.3 - 0.1 < np.mean(changed) < 0.3 + 0.1


def test_box_jitter_moves_corners_by_the_requested_std(clean_and_noisy):
    clean = _train_boxes(clean_and_noisy['clean'])
    jittered = _train_boxes(clean_and_noisy['jitter'])
    relative_shifts = []
    for image_id, anns in jittered.items():
        assert len(anns) == len(clean[image_id])
        for noisy_ann, clean_ann in zip(anns, clean[image_id]):
            assert noisy_ann['category_id'] == clean_ann['category_id']
            x, y, w, h = clean_ann['bbox']
            nx, ny, nw, nh = noisy_ann['bbox']
            relative_shifts += [(nx - x) / w, (ny - y) / h,
                                (nx + nw - x - w) / w, (ny + nh - y - h) / h]
    assert 0.07 < np.std(relative_shifts) < 0.13


def test_second_call_reuses_the_dataset(tmp_path):
    paths = _generate(tmp_path, 'data')
    times = _modification_times(paths['data_root'])
    assert _generate(tmp_path, 'data') == paths
    assert _modification_times(paths['data_root']) == times


def test_changed_arguments_regenerate_and_clear_old_images(tmp_path):
    paths = _generate(tmp_path, 'data', num_train=12)
    with open(paths['train_ann_file'], 'rb') as f:
        old_annotations = f.read()
    _generate(tmp_path, 'data', num_train=5)
    assert len(os.listdir(paths['train_img_dir'])) == 5
    assert len(_load(paths['train_ann_file'])['images']) == 5
    assert _load(paths['meta_file'])['arguments']['num_train'] == 5
    _generate(tmp_path, 'data', num_train=12)
    with open(paths['train_ann_file'], 'rb') as f:
        assert f.read() == old_annotations


@pytest.mark.parametrize('damage', ['meta', 'image', 'overwrite'])
def test_incomplete_or_forced_runs_regenerate(tmp_path, damage):
    paths = _generate(tmp_path, 'data')
    ann_file = paths['train_ann_file']
    os.utime(ann_file, ns=(0, 0))
    overwrite = False
    if damage == 'meta':
        os.remove(paths['meta_file'])
    elif damage == 'image':
        os.remove(os.path.join(paths['train_img_dir'], '000003.png'))
    else:
        overwrite = True
    _generate(tmp_path, 'data', overwrite=overwrite)
    assert os.stat(ann_file).st_mtime_ns != 0
    assert os.path.isfile(paths['meta_file'])
    assert len(os.listdir(paths['train_img_dir'])) == SMALL['num_train']


@pytest.mark.parametrize('kwargs', [
    dict(drop_prob=1.5),
    dict(flip_prob=-0.1),
    dict(min_size=20, max_size=10),
    dict(max_objects=0),
    dict(img_size=32, min_size=16),
    dict(box_jitter=-1.0),
    dict(seed=-1),
])
def test_invalid_arguments_raise(tmp_path, kwargs):
    with pytest.raises(ValueError):
        _generate(tmp_path, 'data', **kwargs)
