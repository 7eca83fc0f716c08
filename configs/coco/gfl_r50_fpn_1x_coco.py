# GFL R50 student alone on COCO (the baseline of the GFL tables).
_base_ = [
    'mmdet::gfl/gfl_r50_fpn_1x_coco.py', '../_base_/uet_plugin.py',
    '../_base_/models/imagenet_weights.py'
]

model = dict(backbone=dict(init_cfg=_base_.imagenet_init.resnet50))
