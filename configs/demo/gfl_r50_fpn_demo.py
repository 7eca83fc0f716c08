# GFL teacher for localization distillation on the demo data: R50-FPN from
# scratch, 16 epochs.
_base_ = [
    '../_base_/models/gfl_r50_fpn_demo.py',
    '../_base_/datasets/uet_demo_detection.py',
    '../_base_/schedules/schedule_demo_16e.py', '../_base_/default_runtime.py'
]
