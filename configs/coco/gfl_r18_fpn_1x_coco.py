# GFL R18 student alone on COCO: the GFL R50 student config with a ResNet-18.
_base_ = './gfl_r50_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(checkpoint=_base_.imagenet_checkpoints['resnet18'])),
    neck=dict(in_channels=[64, 128, 256, 512]))
