# Feature-MSE + UET: the feature-MSE demo config with the UET part added.
_base_ = [
    '../mse/mse_fpn_retinanet_r50_retinanet_r18_demo.py',
    '../_base_/uet/uet_fpn.py'
]

model = dict(distiller=dict(uet=_base_.uet_fpn))
