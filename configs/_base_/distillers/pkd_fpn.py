# PKD (Pearson correlation, MMRazor's PKDLoss) on every FPN output.
# Use as `distiller=_base_.pkd_fpn_distiller`.
_base_ = './fpn_recorders.py'

pkd_fpn_distiller = dict(
    type='UETDistiller',
    student_recorders=_base_.fpn_recorders,
    teacher_recorders=_base_.fpn_recorders,
    distill_losses={
        f'loss_pkd_fpn{i}': dict(type='PKDLoss', loss_weight=6.0)
        for i in range(_base_.fpn_levels)
    },
    loss_forward_mappings={
        f'loss_pkd_fpn{i}':
        dict(
            preds_S=dict(from_student=True, recorder=f'fpn{i}'),
            preds_T=dict(from_student=False, recorder=f'fpn{i}'))
        for i in range(_base_.fpn_levels)
    })
