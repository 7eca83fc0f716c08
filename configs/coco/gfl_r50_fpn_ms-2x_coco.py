# GFL R50 teacher (multi-scale 2x) of the R18/R34 students on COCO: mmdet's
# config with the plugin and a local ImageNet checkpoint (nothing is downloaded
# at run time).
_base_ = [
    'mmdet::gfl/gfl_r50_fpn_ms-2x_coco.py', '../_base_/uet_plugin.py',
    '../_base_/models/imagenet_weights.py'
]

model = dict(backbone=dict(init_cfg=_base_.imagenet_init.resnet50))
