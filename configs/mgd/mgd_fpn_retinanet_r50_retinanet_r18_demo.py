# MGD on the five FPN levels (128 channels): RetinaNet R50 -> R18 on the
# embedded demo data.
_base_ = ['../_base_/demo_distillation.py', '../_base_/distillers/mgd_fpn.py']

model = dict(
    distiller=dict(
        _base_.mgd_fpn_distiller,
        connectors={
            name: dict(connector, student_channels=128, teacher_channels=128)
            for name, connector in _base_.mgd_fpn_distiller.connectors.items()
        }))
