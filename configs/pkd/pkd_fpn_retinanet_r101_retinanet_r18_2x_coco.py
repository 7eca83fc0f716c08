# Backbone swap by inheritance: the same PKD recipe with a ResNet-18 student.
_base_ = './pkd_fpn_retinanet_r101_retinanet_r50_2x_coco.py'

model = dict(
    architecture=dict(
        backbone=dict(
            depth=18,
            init_cfg=dict(checkpoint=_base_.imagenet_checkpoints['resnet18'])),
        neck=dict(in_channels=[64, 128, 256, 512])))
