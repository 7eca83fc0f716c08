# FGD + UET: the FGD demo config with the UET part added.
_base_ = [
    '../fgd/fgd_fpn_retinanet_r50_retinanet_r18_demo.py',
    '../_base_/uet/uet_fpn.py'
]

model = dict(distiller=dict(uet=_base_.uet_fpn))
