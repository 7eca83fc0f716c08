# FGD + UET on COCO: the FGD GFL R50 -> R18 config with the UET part added.
_base_ = [
    '../fgd/fgd_fpn_gfl_r50_gfl_r18_1x_coco.py', '../_base_/uet/uet_fpn.py'
]

model = dict(distiller=dict(uet=_base_.uet_fpn))
