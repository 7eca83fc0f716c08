# Student: the teacher's detector with a ResNet-18 backbone.
_base_ = './retinanet_r50_fpn_demo.py'

model = dict(
    backbone=dict(depth=18), neck=dict(in_channels=[64, 128, 256, 512]))
