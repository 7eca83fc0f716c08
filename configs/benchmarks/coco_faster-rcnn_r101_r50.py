# Faster R-CNN R101 -> R50, 2x on COCO: FGD and FGD+UET. Needs COCO in
# data/coco and the ImageNet weights named in
# configs/_base_/models/imagenet_weights.py; --dry-run proves the spec valid
# without them. Published numbers beside the cells: the FGD authors'
# (github.com/yzd-v/FGD README: Faster R-CNN R50 2x 38.4 alone, 42.0 with FGD);
# that README does not name the teacher, and their repository has configs for
# R101 and larger teachers; the UET paper's for this setting are not filled in
# (we could not read its tables here).
# The spec trains its teacher; mmdet's model-zoo checkpoint of the same
# teacher config (uet_mmdet/utils/model_zoo.py) and the ImageNet weights
# come with
#   python tools/misc/download_weights.py --config \
#       configs/fgd/fgd_fpn_faster-rcnn_r101_faster-rcnn_r50_2x_coco.py
name = 'COCO: Faster R-CNN R101 -> R50, 2x'
teacher = dict(config='../coco/faster-rcnn_r101_fpn_2x_coco.py')
student = dict(config='../coco/faster-rcnn_r50_fpn_2x_coco.py', published=38.4)
methods = [
    dict(
        name='FGD',
        config='../fgd/fgd_fpn_faster-rcnn_r101_faster-rcnn_r50_2x_coco.py'),
    dict(
        name='FGD+UET',
        config='../uet/fgd_uet_fpn_faster-rcnn_r101_faster-rcnn_r50_2x_coco.py'
    ),
]
seeds = [0]
