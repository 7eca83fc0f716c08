# MGD (masked generative distillation, MMRazor's MGDConnector + MGDLoss) on
# every FPN output. Set the connectors' channels to the FPN's (256 default).
# Use as `distiller=_base_.mgd_fpn_distiller`.
_base_ = './fpn_recorders.py'

mgd_fpn_distiller = dict(
    type='UETDistiller',
    student_recorders=_base_.fpn_recorders,
    teacher_recorders=_base_.fpn_recorders,
    connectors={
        f's_fpn{i}_connector':
        dict(
            type='MGDConnector',
            student_channels=256,
            teacher_channels=256,
            lambda_mgd=0.65)
        for i in range(_base_.fpn_levels)
    },
    distill_losses={
        f'loss_mgd_fpn{i}': dict(type='MGDLoss', alpha_mgd=0.00002)
        for i in range(_base_.fpn_levels)
    },
    loss_forward_mappings={
        f'loss_mgd_fpn{i}':
        dict(
            preds_S=dict(
                from_student=True,
                recorder=f'fpn{i}',
                connector=f's_fpn{i}_connector'),
            preds_T=dict(from_student=False, recorder=f'fpn{i}'))
        for i in range(_base_.fpn_levels)
    })
