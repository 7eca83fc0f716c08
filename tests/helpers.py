# Copyright (c) uet_mmdet authors. All rights reserved.
"""Helpers shared by the tests: running the repository's tools, test
configs and data, toy models."""
import copy
import json
import os
import os.path as osp
import subprocess
import sys
from typing import List, Optional

import torch
from mmdet.registry import MODELS as DET_MODELS
from torch import nn

from uet_mmdet.models.hosts import EXAMPLE_CHANNELS

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO_ROOT, 'configs')


def tiny_data_options(data_root: str) -> str:
    """Config text pointing the data at ``data_root``, batches of 2 without
    worker processes and a log line per iteration."""
    data_root = data_root.rstrip('/') + '/'
    return f'''data_root = {data_root!r}
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
default_hooks = dict(logger=dict(interval=1))
'''


def write_test_config(path: str,
                      base: str,
                      data_root: str,
                      extra: str = '') -> str:
    """Write a config inheriting ``configs/<base>`` that runs in seconds:
    :func:`tiny_data_options` and one epoch."""
    text = f'''_base_ = {osp.join(CONFIGS, base)!r}
{tiny_data_options(data_root)}
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = []
{extra}
'''
    with open(path, 'w') as f:
        f.write(text)
    return path


def tool_env(env: Optional[dict] = None) -> dict:
    """The environment tools run in: this one, with the hash seed and the
    thread count fixed (float sums depend on it), plus ``env``."""
    full_env = dict(os.environ, PYTHONHASHSEED='0', OMP_NUM_THREADS='2')
    full_env.update(env or {})
    return full_env


def run_tool(args: List[str],
             cwd: str,
             env: Optional[dict] = None,
             timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a repository tool with this interpreter; return its output."""
    return subprocess.run([sys.executable, *args],
                          cwd=cwd,
                          env=tool_env(env),
                          capture_output=True,
                          text=True,
                          timeout=timeout)


def tool(name: str) -> str:
    """Absolute path of ``tools/<name>``."""
    return osp.join(REPO_ROOT, 'tools', name)


# The problems write_planted_coco_dataset plants in its train split, as
# (kind, image id, annotation id): the answer the data check must give.
PLANTED_PROBLEMS = {
    ('missing_file', 3, None),
    ('unreadable_image', 4, None),
    ('box_outside', 5, 106),
    ('box_too_small', 6, 108),
    ('unknown_category', 7, 109),
    ('size_mismatch', 9, None),
    ('unknown_image', 99, 110),
}
PLANTED_BAD_IMAGES = {3, 4, 5, 6, 7, 9}
PLANTED_EMPTY_IMAGES = [8]


def write_planted_coco_dataset(root: str) -> str:
    """A COCO dataset in ``root`` in the demo data's layout whose train split
    has one problem of each kind of :data:`PLANTED_PROBLEMS`, one empty image
    (8) and one box of a category outside the demo classes; the val split is
    clean. Images are 64x48 PNGs; returns ``root``."""

    import numpy as np
    from PIL import Image

    from uet_mmdet.datasets import DEMO_CLASSES
    rng = np.random.default_rng(0)

    def png(path: str, width: int = 64, height: int = 48) -> None:
        pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(path)

    categories = [{
        'id': i + 1,
        'name': name
    } for i, name in enumerate(DEMO_CLASSES)]
    categories.append({'id': 20, 'name': 'blob'})  # not a demo class
    train_images = {
        1: 'good1.png',
        2: 'good2.png',
        3: 'missing.png',
        4: 'corrupt.png',
        5: 'outside.png',
        6: 'zero.png',
        7: 'unknown_category.png',
        8: 'empty.png',
        9: 'wrong_size.png'
    }
    # (id, image id, category id, [x, y, w, h])
    train_boxes = [
        (101, 1, 1, [4, 4, 10, 10]),
        (102, 1, 2, [54, 38, 10, 10]),  # touches the right and bottom edge
        (112, 1, 1, [-0.5, 0, 10, 10]),  # within the 1 px tolerance
        (103, 2, 2, [0, 0, 64, 48]),
        (113, 2, 20, [4, 4, 8, 8]),  # a category outside the classes
        (104, 3, 1, [4, 4, 8, 8]),
        (105, 4, 1, [4, 4, 8, 8]),
        (106, 5, 1, [50, 10, 20, 10]),  # x reaches 70 > 64
        (107, 5, 2, [4, 4, 8, 8]),
        (108, 6, 1, [10, 10, 0, 5]),  # zero width
        (109, 7, 42, [4, 4, 8, 8]),  # category 42 does not exist
        (110, 99, 1, [4, 4, 8, 8]),  # image 99 does not exist
        (111, 9, 1, [4, 4, 8, 8]),
    ]
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    for split in ('train', 'val'):
        os.makedirs(osp.join(root, split), exist_ok=True)
    for image_id, name in train_images.items():
        path = osp.join(root, 'train', name)
        if image_id == 3:
            continue
        png(path, *((32, 32) if image_id == 9 else (64, 48)))
        if image_id == 4:  # the header reads, the pixels do not
            with open(path, 'rb') as f:
                data = f.read()
            with open(path, 'wb') as f:
                f.write(data[:len(data) // 2])
    for image_id in (1, 2):
        png(osp.join(root, 'val', train_images[image_id]))

    def coco(images, boxes):
        return {
            'images': [{
                'id': i,
                'file_name': name,
                'width': 64,
                'height': 48
            } for i, name in images.items()],
            'annotations': [{
                'id': a,
                'image_id': i,
                'category_id': c,
                'bbox': b,
                'area': b[2] * b[3],
                'iscrowd': 0
            } for a, i, c, b in boxes],
            'categories':
            categories,
        }

    val_images = {i: train_images[i] for i in (1, 2)}
    val_boxes = [box for box in train_boxes if box[1] in (1, 2)]
    for split, payload in (('train', coco(train_images, train_boxes)),
                           ('val', coco(val_images, val_boxes))):
        with open(
                osp.join(root, 'annotations', f'instances_{split}.json'),
                'w') as f:
            json.dump(payload, f)
    return root


# a one-class COCO dataset and the data config a user writes for it
OWN_DATA_CONFIG = osp.join(CONFIGS, '_base_', 'datasets',
                           'coco_format_own_data.py')
CATEGORY = 'box'


def write_one_class_coco_dataset(root: str,
                                 num_train: int = 8,
                                 num_val: int = 4,
                                 size: int = 64) -> str:
    """Bright squares on noise, one category (:data:`CATEGORY`, id 7), in
    the layout of ``configs/_base_/datasets/coco_format_own_data.py``:
    ``annotations/{train,val}.json`` and ``{train,val}/*.png``. Returns
    ``root``."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    for split, count in (('train', num_train), ('val', num_val)):
        os.makedirs(osp.join(root, split), exist_ok=True)
        images, annotations = [], []
        for index in range(count):
            pixels = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
            side = int(rng.integers(size // 4, size // 2))
            x, y = (int(v) for v in rng.integers(0, size - side, 2))
            pixels[y:y + side, x:x + side] = 230
            name = f'{index:03d}.png'
            Image.fromarray(pixels).save(osp.join(root, split, name))
            images.append({
                'id': index + 1,
                'file_name': name,
                'width': size,
                'height': size
            })
            annotations.append({
                'id': index + 1,
                'image_id': index + 1,
                'category_id': 7,
                'bbox': [x, y, side, side],
                'area': side * side,
                'iscrowd': 0
            })
        with open(osp.join(root, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(
                {
                    'images': images,
                    'annotations': annotations,
                    'categories': [{
                        'id': 7,
                        'name': CATEGORY
                    }]
                }, f)
    return root


def write_own_data_config(path: str, data_root: str) -> str:
    """The data config of :func:`write_one_class_coco_dataset`'s data, as a
    user writes it from the shipped example, in batches of 2 without
    worker processes."""
    data_root = data_root.rstrip('/') + '/'
    loader = ('batch_size=2, num_workers=0, persistent_workers=False, '
              'dataset=dict(data_root=data_root, metainfo=metainfo)')
    text = f'''_base_ = {OWN_DATA_CONFIG!r}
data_root = {data_root!r}
metainfo = dict(classes=({CATEGORY!r}, ))
train_dataloader = dict({loader})
val_dataloader = dict({loader})
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
default_hooks = dict(logger=dict(interval=1))
'''
    with open(path, 'w') as f:
        f.write(text)
    return path


def rng(seed: int) -> torch.Generator:
    """A CPU generator started from ``seed``."""
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------- toy distillation models


class ToyNeck(nn.Module):
    """Two non-linear output levels from one input map."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
                nn.Conv2d(width, width, 3, padding=1)) for _ in range(2))

    def forward(self, x):
        return (self.convs[0](x), self.convs[1](nn.functional.avg_pool2d(x,
                                                                         2)))


class ToyDetector(nn.Module):
    """A conv backbone and :class:`ToyNeck`: a teacher or student with two
    FPN-like outputs."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.backbone = nn.Conv2d(3, width, 3, padding=1)
        self.neck = ToyNeck(width)

    def forward(self, x):
        return self.neck(self.backbone(x))


TOY_RECORDERS = {
    f'fpn{i}': dict(type='ModuleOutputs', source=f'neck.convs.{i}')
    for i in range(2)
}


def toy_distiller_cfg(uet: Optional[dict] = None,
                      loss: Optional[dict] = None,
                      args: tuple = ('s_feature', 't_feature'),
                      recorders: Optional[dict] = None) -> dict:
    """A ``UETDistiller`` config for :class:`ToyDetector` (or the model of
    ``recorders``, ``fpn0`` and ``fpn1``): one ``loss`` (default ``L2Loss``)
    per output, reading ``args``."""
    loss = loss or dict(type='L2Loss', normalize=False, div_element=True)
    recorders = recorders or TOY_RECORDERS
    cfg = dict(
        type='UETDistiller',
        _scope_='mmrazor',
        student_recorders=recorders,
        teacher_recorders=recorders,
        distill_losses={f'loss_mse_fpn{i}': dict(loss)
                        for i in range(2)},
        loss_forward_mappings={
            f'loss_mse_fpn{i}':
            dict(
                **{
                    args[0]: dict(from_student=True, recorder=f'fpn{i}'),
                    args[1]: dict(from_student=False, recorder=f'fpn{i}')
                })
            for i in range(2)
        })
    if uet is not None:
        cfg['uet'] = uet
    return copy.deepcopy(cfg)


def toy_uet(**overrides) -> dict:
    """A module-level ``uet`` block for :func:`toy_distiller_cfg`."""
    return dict(
        dict(
            mode='both',
            num_samples=4,
            level='module',
            module='neck',
            outputs=dict(fpn0=0, fpn1=1),
            measure='variance'), **overrides)


# ------------------------------------------------ shipped configs and data

UET_DEMO = 'uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'


def random_teacher_checkpoint(path: str) -> str:
    """Save the randomly initialised teacher of :data:`UET_DEMO` (the
    demo RetinaNet R50) to ``path``."""
    from uet_mmdet.models import build_detector_from_config
    teacher = build_detector_from_config(
        osp.join(CONFIGS, 'demo', 'retinanet_r50_fpn_demo.py'))
    torch.save({'state_dict': teacher.state_dict()}, path)
    return path


# a spec as a user writes one: data generated by `prepare`, the shipped
# detector and distillation configs, data and schedule overrides
REPRODUCE_SPEC = """name = 'tiny'
prepare = [['tools/misc/generate_demo_data.py', '--out', {data!r},
            '--num-train', '12', '--num-val', '6', '--img-size', '128',
            '--seed', '3']]
data = 'data.py'
schedule = 'schedule.py'
teacher = dict(config={teacher!r}, schedule='teacher_schedule.py')
student = dict(config={student!r}, published=1.0)
methods = [dict(name='FGD+UET', config={uet!r})]
seeds = [0, 1]
"""
TEACHER_SCHEDULE = """train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = []
"""


def write_reproduce_spec(root: str) -> str:
    """Write :data:`REPRODUCE_SPEC` with its data, schedule (2 epochs) and
    teacher schedule (:data:`TEACHER_SCHEDULE`) files under ``root``;
    return the spec's path."""
    data = osp.join(root, 'data') + '/'
    spec = REPRODUCE_SPEC.format(
        data=data,
        teacher=osp.join(CONFIGS, 'demo', 'retinanet_r50_fpn_demo.py'),
        student=osp.join(CONFIGS, 'demo', 'retinanet_r18_fpn_demo.py'),
        uet=osp.join(CONFIGS, UET_DEMO))
    schedule = TEACHER_SCHEDULE.replace('max_epochs=1', 'max_epochs=2')
    files = dict(
        data=tiny_data_options(data),
        schedule=schedule,
        teacher_schedule=TEACHER_SCHEDULE,
        spec=spec)
    for name, text in files.items():
        with open(osp.join(root, f'{name}.py'), 'w') as f:
            f.write(text)
    return osp.join(root, 'spec.py')


# the hosts' example configs are for features of this width
TWO_LEVEL_WIDTH = EXAMPLE_CHANNELS


class TwoLevelNeck(nn.Module):
    """Two 'FPN' levels: convolutions of stride 1 and 2."""

    def __init__(self) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(
                TWO_LEVEL_WIDTH, TWO_LEVEL_WIDTH, 3, stride=s, padding=1)
            for s in (1, 2))

    def forward(self, x):
        return tuple(conv(x) for conv in self.convs)


class GroundTruth(nn.Module):
    """Passes the data samples through, so a recorder can hand them to FGD."""

    def forward(self, data_samples):
        return data_samples


class TwoLevelRetina(nn.Module):
    """Conv backbone, two 'FPN' levels, mmdet's RetinaHead (3 classes) on
    them, GroupNorm in the head when ``norm``."""

    def __init__(self, norm: bool = False) -> None:
        super().__init__()
        self.backbone = nn.Conv2d(3, TWO_LEVEL_WIDTH, 3, padding=1)
        self.neck = TwoLevelNeck()
        self.bbox_head = DET_MODELS.build(
            dict(
                type='RetinaHead',
                num_classes=3,
                in_channels=TWO_LEVEL_WIDTH,
                stacked_convs=2,
                feat_channels=TWO_LEVEL_WIDTH,
                norm_cfg=dict(type='GN', num_groups=4) if norm else None,
                anchor_generator=dict(
                    type='AnchorGenerator',
                    octave_base_scale=2,
                    scales_per_octave=1,
                    ratios=[1.0],
                    strides=[4, 8])))
        self.gt = GroundTruth()

    def forward(self, x, data_samples=None):
        self.gt(data_samples)
        return self.bbox_head(self.neck(self.backbone(x)))

    @torch.no_grad()
    def scale_features(self, scale: float) -> 'TwoLevelRetina':
        """Backbone and neck times ``scale``: every FPN output is ``scale``
        times what it was (all layers up to there are linear)."""
        self.backbone.weight.mul_(scale)
        self.backbone.bias.mul_(scale)
        for conv in self.neck.convs:
            conv.bias.mul_(scale)
        return self


TWO_LEVEL_RECORDERS = {
    f'fpn{i}': dict(type='ModuleOutputs', source=f'neck.convs.{i}')
    for i in range(2)
}
