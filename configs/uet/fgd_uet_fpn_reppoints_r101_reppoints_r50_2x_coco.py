# FGD + UET on COCO: the FGD RepPoints config with the UET part added;
# RepPoints' head applies its ReLUs outside modules, which head_moments cannot
# follow, so the map comes from the neck re-run on dropped-out inputs.
_base_ = [
    '../fgd/fgd_fpn_reppoints_r101_reppoints_r50_2x_coco.py',
    '../_base_/uet/uet_neck.py'
]

model = dict(distiller=dict(uet=_base_.uet_neck))
