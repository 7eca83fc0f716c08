# GFL R34 student alone on COCO: the GFL R18 student config with a ResNet-34.
_base_ = './gfl_r18_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        depth=34,
        init_cfg=dict(checkpoint=_base_.imagenet_checkpoints['resnet34'])))
