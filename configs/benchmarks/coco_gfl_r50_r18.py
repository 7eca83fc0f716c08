# GFL R50 (ms 2x) -> R18, 1x on COCO: FGD and FGD+UET. Needs COCO in data/coco
# and the ImageNet weights named in configs/_base_/models/imagenet_weights.py;
# --dry-run proves the spec valid without them. The UET paper's numbers for
# this setting (arXiv 2406.06999) are not filled in: we could not read its
# tables here. Add them as `published=` to show them beside your cells.
# The spec trains its teacher; mmdet's model-zoo checkpoint of the same
# teacher config (uet_mmdet/utils/model_zoo.py) and the ImageNet weights
# come with
#   python tools/misc/download_weights.py --config \
#       configs/fgd/fgd_fpn_gfl_r50_gfl_r18_1x_coco.py
name = 'COCO: GFL R50 (ms 2x) -> R18, 1x'
teacher = dict(config='../coco/gfl_r50_fpn_ms-2x_coco.py')
student = dict(config='../coco/gfl_r18_fpn_1x_coco.py')
methods = [
    dict(name='FGD', config='../fgd/fgd_fpn_gfl_r50_gfl_r18_1x_coco.py'),
    dict(
        name='FGD+UET',
        config='../uet/fgd_uet_fpn_gfl_r50_gfl_r18_1x_coco.py'),
]
seeds = [0]
