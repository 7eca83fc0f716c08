# GFL student: the GFL teacher's detector with a ResNet-18 backbone, 8 epochs.
_base_ = [
    '../_base_/models/gfl_r50_fpn_demo.py',
    '../_base_/datasets/uet_demo_detection.py',
    '../_base_/schedules/schedule_demo_8e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(depth=18), neck=dict(in_channels=[64, 128, 256, 512]))
