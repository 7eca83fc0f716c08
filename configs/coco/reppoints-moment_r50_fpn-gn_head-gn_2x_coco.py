# RepPoints (moment) R50 student alone on COCO, 2x: mmdet's config with the
# plugin and a local ImageNet checkpoint (nothing is downloaded at run time).
_base_ = [
    'mmdet::reppoints/reppoints-moment_r50_fpn-gn_head-gn_2x_coco.py',
    '../_base_/uet_plugin.py', '../_base_/models/imagenet_weights.py'
]

model = dict(backbone=dict(init_cfg=_base_.imagenet_init.resnet50))
