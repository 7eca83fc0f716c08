# Plain feature imitation (FitNet-style squared error, MMRazor's L2Loss) on
# every FPN output. Use as `distiller=_base_.mse_fpn_distiller`.
_base_ = './fpn_recorders.py'

mse_fpn_distiller = dict(
    type='UETDistiller',
    student_recorders=_base_.fpn_recorders,
    teacher_recorders=_base_.fpn_recorders,
    distill_losses={
        f'loss_mse_fpn{i}':
        dict(
            type='L2Loss', loss_weight=1.0, normalize=False, div_element=True)
        for i in range(_base_.fpn_levels)
    },
    loss_forward_mappings={
        f'loss_mse_fpn{i}':
        dict(
            s_feature=dict(from_student=True, recorder=f'fpn{i}'),
            t_feature=dict(from_student=False, recorder=f'fpn{i}'))
        for i in range(_base_.fpn_levels)
    })
