# Logit distillation on RetinaNet's classification logits: binary KL of the
# per-class sigmoid probabilities at every location of each FPN level
# (DenseKDLoss). `retina_cls` runs once per level, so record i is level i.
# Use as `distiller=_base_.kd_retina_cls_distiller`.
cls_recorders = dict(
    cls=dict(type='ModuleOutputs', source='bbox_head.retina_cls'))

kd_retina_cls_distiller = dict(
    type='UETDistiller',
    student_recorders=cls_recorders,
    teacher_recorders=cls_recorders,
    distill_losses={
        f'loss_kd_cls{i}': dict(type='DenseKDLoss', tau=1.0, loss_weight=1.0)
        for i in range(5)
    },
    loss_forward_mappings={
        f'loss_kd_cls{i}':
        dict(
            preds_S=dict(from_student=True, recorder='cls', record_idx=i),
            preds_T=dict(from_student=False, recorder='cls', record_idx=i))
        for i in range(5)
    })
