# Distillation on the demo data: RetinaNet R50 teacher (the config that trained
# it, weights at `model.teacher_ckpt`) -> RetinaNet R18 student with the
# student's data and schedule. A host config adds `model.distiller`.
_base_ = ['../demo/retinanet_r18_fpn_demo.py', './single_teacher_distill.py']

model = dict(
    _base_.single_teacher_distill,
    architecture=dict(_scope_='mmdet', **_base_.model),
    teacher=dict(
        type='DetectorFromConfig',
        config='{{fileDirname}}/../demo/retinanet_r50_fpn_demo.py'),
    teacher_ckpt='work_dirs/demo/teacher_r50/epoch_16.pth',
    distiller=dict())
