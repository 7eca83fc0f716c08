# Logit KD + UET: the logit-KD demo config with the UET part added.
_base_ = [
    '../kd/kd_cls_retinanet_r50_retinanet_r18_demo.py',
    '../_base_/uet/uet_head_logits.py'
]

model = dict(distiller=dict(uet=_base_.uet_head_cls))
