# FGD on the five FPN levels (128 channels): RetinaNet R50 -> R18 on the
# embedded demo data.
_base_ = ['../_base_/demo_distillation.py', '../_base_/distillers/fgd_fpn.py']

model = dict(
    distiller=dict(
        _base_.fgd_fpn_distiller,
        distill_losses={
            name: dict(loss, student_channels=128, teacher_channels=128)
            for name, loss in _base_.fgd_fpn_distiller.distill_losses.items()
        }))
