# RetinaNet R50 student alone on COCO: mmdet's config with the plugin and a
# local ImageNet checkpoint (nothing is downloaded at run time).
_base_ = [
    'mmdet::retinanet/retinanet_r50_fpn_2x_coco.py', '../_base_/uet_plugin.py',
    '../_base_/models/imagenet_weights.py'
]

model = dict(backbone=dict(init_cfg=_base_.imagenet_init.resnet50))
