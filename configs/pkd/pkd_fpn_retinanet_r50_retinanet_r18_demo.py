# PKD (Pearson-correlation feature distillation, MMRazor's PKDLoss) on the five
# FPN levels: RetinaNet R50 teacher -> RetinaNet R18 student, embedded demo data.
# The student, data and schedule come from the student config; the teacher is
# named by the config that trained it and loaded from `teacher_ckpt`.
_base_ = ['../demo/retinanet_r18_fpn_demo.py']

teacher_config = '{{fileDirname}}/../demo/retinanet_r50_fpn_demo.py'
teacher_ckpt = 'work_dirs/demo/teacher_r50_published.pth'
fpn_levels = 5
pkd_loss_weight = 6.0

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture=dict(_scope_='mmdet', **_base_.model),
    teacher=dict(type='DetectorFromConfig', config=teacher_config),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={
            f'fpn{i}': dict(
                type='ModuleOutputs', source=f'neck.fpn_convs.{i}.conv')
            for i in range(fpn_levels)
        },
        teacher_recorders={
            f'fpn{i}': dict(
                type='ModuleOutputs', source=f'neck.fpn_convs.{i}.conv')
            for i in range(fpn_levels)
        },
        distill_losses={
            f'loss_pkd_fpn{i}': dict(
                type='PKDLoss', loss_weight=pkd_loss_weight)
            for i in range(fpn_levels)
        },
        loss_forward_mappings={
            f'loss_pkd_fpn{i}': dict(
                preds_S=dict(from_student=True, recorder=f'fpn{i}'),
                preds_T=dict(from_student=False, recorder=f'fpn{i}'))
            for i in range(fpn_levels)
        }))

find_unused_parameters = True
