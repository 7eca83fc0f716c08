# MGD on the five FPN levels (128 channels): RetinaNet R50 -> R18 on the
# embedded demo data.
_base_ = [
    '../_base_/demo_distillation.py', '../_base_/distillers/mgd_fpn.py'
]

distiller = _base_.mgd_fpn_distiller
for connector in distiller.connectors.values():
    connector.update(student_channels=128, teacher_channels=128)
del connector

model = dict(distiller=distiller)
