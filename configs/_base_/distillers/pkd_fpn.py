# PKD (Pearson correlation, MMRazor's PKDLoss) on every FPN output.
# Use as `distiller=_base_.pkd_fpn_distiller`; change the levels or weight by
# overriding `model.distiller.distill_losses.loss_pkd_fpn<i>.loss_weight`.
pkd_fpn_levels = 5
pkd_fpn_distiller = dict(
    type='ConfigurableDistiller',
    student_recorders={
        f'fpn{i}': dict(type='ModuleOutputs', source=f'neck.fpn_convs.{i}.conv')
        for i in range(pkd_fpn_levels)
    },
    teacher_recorders={
        f'fpn{i}': dict(type='ModuleOutputs', source=f'neck.fpn_convs.{i}.conv')
        for i in range(pkd_fpn_levels)
    },
    distill_losses={
        f'loss_pkd_fpn{i}': dict(type='PKDLoss', loss_weight=6.0)
        for i in range(pkd_fpn_levels)
    },
    loss_forward_mappings={
        f'loss_pkd_fpn{i}': dict(
            preds_S=dict(from_student=True, recorder=f'fpn{i}'),
            preds_T=dict(from_student=False, recorder=f'fpn{i}'))
        for i in range(pkd_fpn_levels)
    })
