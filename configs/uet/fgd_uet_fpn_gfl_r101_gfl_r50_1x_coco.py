# FGD + UET on COCO: the FGD config with the UET part added.
_base_ = [
    '../fgd/fgd_fpn_gfl_r101_gfl_r50_1x_coco.py', '../_base_/uet/uet_fpn.py'
]

model = dict(distiller=dict(uet=_base_.uet_fpn))
