# CWD + UET: the CWD demo config with the UET part added.
_base_ = [
    '../cwd/cwd_fpn_retinanet_r50_retinanet_r18_demo.py',
    '../_base_/uet/uet_fpn.py'
]

model = dict(distiller=dict(uet=_base_.uet_fpn))
