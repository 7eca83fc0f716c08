# FGD + UET on COCO: the FGD Faster R-CNN config with the UET part added; a
# two-stage detector has no dense bbox_head, so the map comes from the neck
# re-run on dropped-out backbone outputs, on the distilled levels 0-3.
_base_ = [
    '../fgd/fgd_fpn_faster-rcnn_r101_faster-rcnn_r50_2x_coco.py',
    '../_base_/uet/uet_neck.py'
]

model = dict(distiller=dict(uet=_base_.uet_neck_two_stage))
