# The control of FGD + UET: the same estimator and weights, each image's
# weight map shuffled over its locations (same values, no information).
_base_ = './fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'

model = dict(distiller=dict(uet=dict(shuffle=True)))
