# FGD + UET on COCO: the FGD config with the UET part added.
_base_ = [
    '../fgd/fgd_fpn_faster-rcnn_r101_faster-rcnn_r50_2x_coco.py',
    '../_base_/uet/uet_fpn.py'
]

# The two-stage FPN distils levels 0-3 (level 4 is a max-pool of level 3).
model = dict(
    distiller=dict(
        uet=dict(_base_.uet_fpn, outputs={f'fpn{i}': i
                                          for i in range(4)})))
