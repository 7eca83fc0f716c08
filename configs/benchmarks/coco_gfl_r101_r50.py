# The paper's headline setting: GFL R101 teacher -> GFL R50 student on COCO,
# 1x schedule; FGD and FGD+UET. Published: the UET paper (arXiv 2406.06999,
# GFL R50: 40.2 alone, 43.5 with FGD, 44.1 with FGD+UET). Needs COCO in
# data/coco and the ImageNet weights named in
# configs/_base_/models/imagenet_weights.py; --dry-run proves the spec valid
# without them.
# The spec trains its teacher; mmdet's model-zoo checkpoint of the same
# teacher config (uet_mmdet/utils/model_zoo.py) and the ImageNet weights
# come with
#   python tools/misc/download_weights.py --config \
#       configs/fgd/fgd_fpn_gfl_r101_gfl_r50_1x_coco.py
name = 'COCO: GFL R101 -> R50, 1x'
teacher = dict(config='../coco/gfl_r101_fpn_ms-2x_coco.py')
student = dict(config='../coco/gfl_r50_fpn_1x_coco.py', published=40.2)
methods = [
    dict(
        name='FGD',
        config='../fgd/fgd_fpn_gfl_r101_gfl_r50_1x_coco.py',
        published=43.5),
    dict(
        name='FGD+UET',
        config='../uet/fgd_uet_fpn_gfl_r101_gfl_r50_1x_coco.py',
        published=44.1),
]
seeds = [0]
