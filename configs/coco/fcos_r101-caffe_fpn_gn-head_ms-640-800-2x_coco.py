# FCOS R101 (Caffe-style) teacher on COCO: mmdet's config with the plugin and a
# local ImageNet checkpoint (nothing is downloaded at run time).
_base_ = [
    'mmdet::fcos/fcos_r101-caffe_fpn_gn-head_ms-640-800-2x_coco.py',
    '../_base_/uet_plugin.py', '../_base_/models/imagenet_weights.py'
]

model = dict(backbone=dict(init_cfg=_base_.imagenet_init.resnet101_caffe))
