# FGD (Focal and Global Distillation) on every FPN output, with the published
# RetinaNet/GFL weights. Ground-truth boxes reach the losses through a
# MethodInputs recorder on the student detector's `loss(inputs, data_samples)`.
# Use as `distiller=_base_.fgd_fpn_distiller`, or with FGD's published weights
# of another detector (github.com/yzd-v/FGD) as
# `distiller=_base_.fgd_fpn_distillers.fcos` (a key of `fgd_weights`).
_base_ = './fpn_recorders.py'

fgd_weights = dict(
    retinanet=dict(
        temp=0.5,
        alpha_fgd=0.001,
        beta_fgd=0.0005,
        gamma_fgd=0.0005,
        lambda_fgd=0.000005),
    fcos=dict(
        temp=0.8,
        alpha_fgd=0.0016,
        beta_fgd=0.0008,
        gamma_fgd=0.0008,
        lambda_fgd=0.000008),
    reppoints=dict(
        temp=0.5,
        alpha_fgd=0.0016,
        beta_fgd=0.0008,
        gamma_fgd=0.0008,
        lambda_fgd=0.000008),
    faster_rcnn=dict(
        temp=0.5,
        alpha_fgd=0.00005,
        beta_fgd=0.000025,
        gamma_fgd=0.00005,
        lambda_fgd=0.0000005))

fgd_fpn_distiller = dict(
    type='UETDistiller',
    student_recorders=dict(
        _base_.fpn_recorders,
        gt=dict(
            type='MethodInputs',
            source='mmdet.models.detectors.SingleStageDetector.loss')),
    teacher_recorders=_base_.fpn_recorders,
    distill_losses={
        f'loss_fgd_fpn{i}':
        dict(
            type='FGDLoss',
            student_channels=256,
            teacher_channels=256,
            **fgd_weights['retinanet'])
        for i in range(_base_.fpn_levels)
    },
    loss_forward_mappings={
        f'loss_fgd_fpn{i}':
        dict(
            preds_S=dict(from_student=True, recorder=f'fpn{i}'),
            preds_T=dict(from_student=False, recorder=f'fpn{i}'),
            data_samples=dict(from_student=True, recorder='gt', data_idx=1))
        for i in range(_base_.fpn_levels)
    })

fgd_fpn_distillers = {
    detector:
    dict(
        fgd_fpn_distiller,
        distill_losses={
            name: dict(loss, **weights)
            for name, loss in fgd_fpn_distiller['distill_losses'].items()
        })
    for detector, weights in fgd_weights.items()
}
