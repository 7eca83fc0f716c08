# PKD on the five FPN levels: RetinaNet R50 teacher -> RetinaNet R18 student on
# the embedded demo data. The student, data and schedule come from the student
# config; the teacher is named by the config that trained it.
_base_ = [
    '../demo/retinanet_r18_fpn_demo.py', '../_base_/distillers/pkd_fpn.py'
]

teacher_ckpt = 'work_dirs/demo/teacher_r50/epoch_12.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture=dict(_scope_='mmdet', **_base_.model),
    teacher=dict(
        type='DetectorFromConfig',
        config='{{fileDirname}}/../demo/retinanet_r50_fpn_demo.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.pkd_fpn_distiller)

find_unused_parameters = True
