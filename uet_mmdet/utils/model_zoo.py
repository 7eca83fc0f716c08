# Copyright (c) uet_mmdet authors. All rights reserved.
"""The published weights the COCO configs read: mmdet model-zoo teachers and
ImageNet backbones, with where to get each file and how to check it.

mmdet's and torchvision's file names end in the first 8 hex digits of the
file's sha256; that prefix is all that can be stated without the files, so
it is what a download is checked against. The configs read each file from
``checkpoints/<filename>`` (``tests/test_utils/test_model_zoo.py`` keeps
them and this table in step).
"""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional
from urllib.parse import unquote, urlparse

DOWNLOAD_TOOL = 'tools/misc/download_weights.py'
DEFAULT_DIR = 'checkpoints'

_MMDET = 'https://download.openmmlab.com/mmdetection/v2.0'
_TORCHVISION = 'https://download.pytorch.org/models'
_DETECTRON = 'https://download.openmmlab.com/pretrain/third_party'


@dataclass(frozen=True)
class ZooWeights:
    """One published weights file.

    Args:
        url (str): Where to download it.
        sha256_prefix (str): The first hex digits of its sha256, as its
            publisher put them in the file name.
        config (str, optional): The mmdet config it was trained with.
        box_ap (float, optional): COCO val2017 box AP in mmdet's metafile.
    """
    url: str
    sha256_prefix: str
    config: Optional[str] = None
    box_ap: Optional[float] = None

    @property
    def filename(self) -> str:
        """The file name of :attr:`url`."""
        return unquote(osp.basename(urlparse(self.url).path))


MODEL_ZOO: Dict[str, ZooWeights] = {
    # mmdet model-zoo teachers (URLs and AP from mmdet 3.3.0's metafile.yml)
    'retinanet_r101_fpn_2x_coco':
    ZooWeights(
        f'{_MMDET}/retinanet/retinanet_r101_fpn_2x_coco/'
        'retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth', '5560aee8',
        'mmdet::retinanet/retinanet_r101_fpn_2x_coco.py', 38.9),
    'gfl_r101_fpn_ms-2x_coco':
    ZooWeights(
        f'{_MMDET}/gfl/gfl_r101_fpn_mstrain_2x_coco/'
        'gfl_r101_fpn_mstrain_2x_coco_20200629_200126-dd12f847.pth',
        'dd12f847', 'mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py', 44.7),
    'gfl_r50_fpn_ms-2x_coco':
    ZooWeights(
        f'{_MMDET}/gfl/gfl_r50_fpn_mstrain_2x_coco/'
        'gfl_r50_fpn_mstrain_2x_coco_20200629_213802-37bb1edc.pth', '37bb1edc',
        'mmdet::gfl/gfl_r50_fpn_ms-2x_coco.py', 42.9),
    'fcos_r101-caffe_fpn_gn-head_ms-640-800-2x_coco':
    ZooWeights(
        f'{_MMDET}/fcos/fcos_r101_caffe_fpn_gn-head_mstrain_640-800_2x_coco/'
        'fcos_r101_caffe_fpn_gn-head_mstrain_640-800_2x_coco-511424d6.pth',
        '511424d6',
        'mmdet::fcos/fcos_r101-caffe_fpn_gn-head_ms-640-800-2x_coco.py', 40.8),
    'faster-rcnn_r101_fpn_2x_coco':
    ZooWeights(
        f'{_MMDET}/faster_rcnn/faster_rcnn_r101_fpn_2x_coco/'
        'faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-'
        '1d2dac9c.pth', '1d2dac9c',
        'mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py', 39.8),
    'reppoints-moment_r101_fpn-gn_head-gn_2x_coco':
    ZooWeights(
        f'{_MMDET}/reppoints/reppoints_moment_r101_fpn_gn-neck%2Bhead_2x_coco/'
        'reppoints_moment_r101_fpn_gn-neck%2Bhead_2x_coco_20200329-'
        '4fbc7310.pth', '4fbc7310',
        'mmdet::reppoints/reppoints-moment_r101_fpn-gn_head-gn_2x_coco.py',
        40.5),
    # ImageNet backbones: torchvision's (mmengine's torchvision://resnetN)
    'resnet18':
    ZooWeights(f'{_TORCHVISION}/resnet18-f37072fd.pth', 'f37072fd'),
    'resnet34':
    ZooWeights(f'{_TORCHVISION}/resnet34-b627a593.pth', 'b627a593'),
    'resnet50':
    ZooWeights(f'{_TORCHVISION}/resnet50-0676ba61.pth', '0676ba61'),
    'resnet101':
    ZooWeights(f'{_TORCHVISION}/resnet101-63fe2227.pth', '63fe2227'),
    # Caffe-style, as mmdet's FCOS configs read them
    # (open-mmlab://detectron/resnetN_caffe)
    'resnet50_caffe':
    ZooWeights(f'{_DETECTRON}/resnet50_caffe-788b5fa3.pth', '788b5fa3'),
    'resnet101_caffe':
    ZooWeights(f'{_DETECTRON}/resnet101_caffe-3ad79236.pth', '3ad79236'),
}


def weights_named(filename: str) -> Optional[str]:
    """The table's name of the file called ``basename(filename)``, if any."""
    basename = osp.basename(filename)
    return next((name for name, weights in MODEL_ZOO.items()
                 if weights.filename == basename), None)


def download_command(name: str, save_dir: str = DEFAULT_DIR) -> str:
    """The command line that downloads ``name`` into ``save_dir``."""
    command = f'python {DOWNLOAD_TOOL} {name}'
    if osp.normpath(save_dir) != DEFAULT_DIR:
        command += f' --save-dir {save_dir}'
    return command


def where_to_get(path: str) -> Optional[str]:
    """Where to get ``path`` when the table has its file name, in words."""
    name = weights_named(path)
    if name is None:
        return None
    return (f'get it from {MODEL_ZOO[name].url} or run '
            f'`{download_command(name, osp.dirname(path) or ".")}`')


__all__ = [
    'DEFAULT_DIR', 'DOWNLOAD_TOOL', 'MODEL_ZOO', 'ZooWeights',
    'download_command', 'weights_named', 'where_to_get'
]
