# Copyright (c) uet_mmdet authors. All rights reserved.
"""One PNG row per image: the image with its ground-truth boxes, then each
uncertainty map upsampled onto it."""
import os.path as osp
from typing import Iterator, Sequence, Tuple

import torch.nn.functional as F
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import Tensor, nn

from .uncertainty_maps import ImageMaps, image_maps

BOX_COLOR = 'lime'


def map_on_image(level_map: Tensor, pad_hw: Sequence[int],
                 image_hw: Sequence[int]) -> Tensor:
    """A feature map upsampled onto the unpadded image.

    Args:
        level_map (Tensor): (H_l, W_l) map of a feature grid that covers the
            padded batch input.
        pad_hw (Sequence[int]): ``batch_input_shape``, (H, W).
        image_hw (Sequence[int]): The image's (h, w) within it.

    Returns:
        Tensor: (h, w) bilinear upsampling of the map.
    """
    full = F.interpolate(
        level_map[None, None].float(),
        size=tuple(pad_hw),
        mode='bilinear',
        align_corners=False)[0, 0]
    return full[:image_hw[0], :image_hw[1]]


def _draw_boxes(axes: Axes, boxes: Tensor, labels: Tensor,
                classes: Sequence[str]) -> None:
    for (x1, y1, x2, y2), label in zip(boxes.tolist(), labels.tolist()):
        axes.add_patch(
            Rectangle((x1, y1),
                      x2 - x1,
                      y2 - y1,
                      fill=False,
                      edgecolor=BOX_COLOR,
                      linewidth=1.2))
        if label < len(classes):
            axes.text(
                x1,
                y1,
                classes[label],
                color=BOX_COLOR,
                fontsize=7,
                va='bottom')


def draw_image_maps(result: ImageMaps, classes: Sequence[str], which: str,
                    path: str) -> None:
    """Save one row: the image with GT boxes, then one map per record with
    a colorbar.

    Args:
        result (ImageMaps): The image, its sample and maps.
        classes (Sequence[str]): Class names, to label the boxes.
        which (str): What the maps are, for the titles.
        path (str): PNG file to write.
    """
    image, sample = result.image, result.sample
    height, width = image.shape[:2]
    boxes = sample.gt_instances.bboxes
    boxes = getattr(boxes, 'tensor', boxes)
    labels = sample.gt_instances.labels
    # a Figure without pyplot renders with Agg whatever the default backend
    figure = Figure(figsize=(3.2 * (len(result.maps) + 1), 3.4))
    axes = figure.subplots(1, len(result.maps) + 1, squeeze=False)[0]
    axes[0].imshow(image.numpy())
    axes[0].set_title(
        f'{osp.basename(sample.img_path)}: {len(boxes)} GT', fontsize=8)
    _draw_boxes(axes[0], boxes, labels, classes)
    for panel, (name, level_map) in zip(axes[1:], result.maps.items()):
        full = map_on_image(level_map, sample.batch_input_shape,
                            (height, width))
        panel.imshow(image.numpy())
        overlay = panel.imshow(full.numpy(), cmap='inferno', alpha=0.65)
        figure.colorbar(overlay, ax=panel, fraction=0.046, pad=0.02)
        panel.set_title(
            f'{name} {which} ({level_map.shape[0]}x{level_map.shape[1]})',
            fontsize=8)
        _draw_boxes(panel, boxes, labels, ())
    for panel in axes:
        panel.set_xlim(0, width)
        panel.set_ylim(height, 0)
        panel.axis('off')
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def write_uncertainty_pngs(model: nn.Module,
                           dataset,
                           out_dir: str,
                           num_images: int,
                           which: str = 'uncertainty',
                           seed: int = 0) -> Iterator[Tuple[str, ImageMaps]]:
    """Draw the maps of the first images of a dataset, one PNG each.

    Args:
        model (nn.Module): The distillation model
            (:func:`~.uncertainty_maps.load_uet_model`).
        dataset (BaseDataset): Its images, e.g.
            :func:`~.uncertainty_maps.build_split_dataset`.
        out_dir (str): An existing folder for the PNGs.
        num_images (int): How many images, at most the dataset's length.
        which (str): ``'uncertainty'`` or ``'confidence'``.
        seed (int): Dropout seed, restarted for every image so its masks
            do not depend on ``num_images``.

    Yields:
        tuple[str, ImageMaps]: The PNG written
        (``<index>_<image stem>_<which>.png``) and the maps drawn in it.
    """
    classes = dataset.metainfo.get('classes', ())
    for index in range(min(num_images, len(dataset))):
        result = image_maps(model, dataset[index], which, seed)
        stem = osp.splitext(osp.basename(result.sample.img_path))[0]
        path = osp.join(out_dir, f'{index:03d}_{stem}_{which}.png')
        draw_image_maps(result, classes, which, path)
        yield path, result


__all__ = ['draw_image_maps', 'map_on_image', 'write_uncertainty_pngs']
