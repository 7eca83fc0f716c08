# CWD on the five FPN levels: RetinaNet R50 -> R18 on the embedded demo data.
_base_ = ['../_base_/demo_distillation.py', '../_base_/distillers/cwd_fpn.py']

model = dict(distiller=_base_.cwd_fpn_distiller)
