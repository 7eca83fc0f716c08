# Localization distillation (LD) on GFL's box distributions of the five FPN
# levels: GFL R50 -> R18 on the embedded demo data. Train the teacher first:
#   python tools/train.py configs/demo/gfl_r50_fpn_demo.py \
#       --work-dir work_dirs/demo/teacher_gfl_r50
# `bbox_head.scales.i` outputs level i's scaled bin logits.
_base_ = ['../demo/gfl_r18_fpn_demo.py', '../_base_/single_teacher_distill.py']

reg_recorders = {
    f'reg{i}': dict(type='ModuleOutputs', source=f'bbox_head.scales.{i}')
    for i in range(5)
}

model = dict(
    _base_.single_teacher_distill,
    architecture=dict(_scope_='mmdet', **_base_.model),
    teacher=dict(
        type='DetectorFromConfig',
        config='{{fileDirname}}/../demo/gfl_r50_fpn_demo.py'),
    teacher_ckpt='work_dirs/demo/teacher_gfl_r50/epoch_16.pth',
    distiller=dict(
        type='UETDistiller',
        student_recorders=reg_recorders,
        teacher_recorders=reg_recorders,
        distill_losses={
            f'loss_ld_reg{i}':
            dict(type='DenseLDLoss', reg_max=16, tau=10.0, loss_weight=0.25)
            for i in range(5)
        },
        loss_forward_mappings={
            f'loss_ld_reg{i}':
            dict(
                preds_S=dict(from_student=True, recorder=f'reg{i}'),
                preds_T=dict(from_student=False, recorder=f'reg{i}'))
            for i in range(5)
        }))
