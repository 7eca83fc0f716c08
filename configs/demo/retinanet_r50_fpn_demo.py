# Teacher: RetinaNet R50-FPN trained from scratch on the embedded demo data,
# 16 epochs (the student trains 8).
_base_ = [
    '../_base_/models/retinanet_r50_fpn_demo.py',
    '../_base_/datasets/uet_demo_detection.py',
    '../_base_/schedules/schedule_demo_16e.py', '../_base_/default_runtime.py'
]
