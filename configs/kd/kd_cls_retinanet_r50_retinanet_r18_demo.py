# Logit KD on the classification logits of the five FPN levels: RetinaNet
# R50 -> R18 on the embedded demo data.
_base_ = [
    '../_base_/demo_distillation.py', '../_base_/distillers/kd_retina_cls.py'
]

model = dict(distiller=_base_.kd_retina_cls_distiller)
