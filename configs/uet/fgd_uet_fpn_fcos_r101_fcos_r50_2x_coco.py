# FGD + UET on COCO: the FGD config with the UET part added.
_base_ = [
    '../fgd/fgd_fpn_fcos_r101_fcos_r50_2x_coco.py', '../_base_/uet/uet_fpn.py'
]

model = dict(distiller=dict(uet=_base_.uet_fpn))
