# FGD on the FPN for COCO: GFL R50 (ms 2x) teacher -> GFL R34 student, 1x;
# the R18 recipe with a ResNet-34.
_base_ = './fgd_fpn_gfl_r50_gfl_r18_1x_coco.py'

model = dict(
    architecture=dict(
        backbone=dict(
            depth=34,
            init_cfg=dict(
                checkpoint=_base_.imagenet_checkpoints['resnet34']))))
