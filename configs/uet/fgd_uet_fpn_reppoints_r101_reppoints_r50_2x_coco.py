# FGD + UET on COCO: the FGD config with the UET part added.
_base_ = [
    '../fgd/fgd_fpn_reppoints_r101_reppoints_r50_2x_coco.py',
    '../_base_/uet/uet_fpn.py'
]

# RepPoints' head applies its ReLUs outside modules, which head_moments
# cannot follow: the map comes from the neck re-run on dropped-out inputs.
model = dict(
    distiller=dict(
        uet=dict(_base_.uet_fpn, level='module', measure='variance')))
