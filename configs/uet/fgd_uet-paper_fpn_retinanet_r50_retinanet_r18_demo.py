# FGD + UET as the paper states it (feature-level dropout, F_T + U_K target).
_base_ = [
    '../fgd/fgd_fpn_retinanet_r50_retinanet_r18_demo.py',
    '../_base_/uet/uet_paper.py'
]

model = dict(distiller=dict(uet=_base_.uet_paper))
