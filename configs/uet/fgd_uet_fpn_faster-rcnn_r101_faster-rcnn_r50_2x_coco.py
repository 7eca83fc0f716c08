# FGD + UET on COCO: the FGD config with the UET part added.
_base_ = [
    '../fgd/fgd_fpn_faster-rcnn_r101_faster-rcnn_r50_2x_coco.py',
    '../_base_/uet/uet_fpn.py'
]

# The two-stage FPN distils levels 0-3 (level 4 is a max-pool of level 3).
# A two-stage detector has no dense bbox_head: the map comes from the neck
# re-run on dropped-out backbone outputs.
model = dict(
    distiller=dict(
        uet=dict(
            _base_.uet_fpn,
            level='module',
            measure='variance',
            outputs={f'fpn{i}': i
                     for i in range(4)})))
