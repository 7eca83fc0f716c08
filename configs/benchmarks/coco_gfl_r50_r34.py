# The GFL R50 -> R18 table with a ResNet-34 student (see coco_gfl_r50_r18.py).
_base_ = './coco_gfl_r50_r18.py'

name = 'COCO: GFL R50 (ms 2x) -> R34, 1x'
student = dict(config='../coco/gfl_r34_fpn_1x_coco.py')
methods = [
    dict(name='FGD', config='../fgd/fgd_fpn_gfl_r50_gfl_r34_1x_coco.py'),
    dict(
        name='FGD+UET',
        config='../uet/fgd_uet_fpn_gfl_r50_gfl_r34_1x_coco.py'),
]
