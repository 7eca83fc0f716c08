# FGD on the five FPN levels (128 channels): RetinaNet R50 -> R18 on the
# embedded demo data.
_base_ = [
    '../_base_/demo_distillation.py', '../_base_/distillers/fgd_fpn.py'
]

distiller = _base_.fgd_fpn_distiller
for fgd_loss in distiller.distill_losses.values():
    fgd_loss.update(student_channels=128, teacher_channels=128)
del fgd_loss

model = dict(distiller=distiller)
