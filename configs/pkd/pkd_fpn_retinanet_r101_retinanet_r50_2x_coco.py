# PKD on the FPN for COCO: RetinaNet R101 teacher -> RetinaNet R50 student, 2x.
# Teacher weights: mmdet's model-zoo checkpoint of
# mmdet::retinanet/retinanet_r101_fpn_2x_coco.py, at `teacher_ckpt`
# (`python tools/misc/download_weights.py --config THIS_CONFIG`).
_base_ = [
    '../coco/retinanet_r50_fpn_2x_coco.py', '../_base_/distillers/pkd_fpn.py',
    '../_base_/single_teacher_distill.py'
]

teacher_ckpt = 'checkpoints/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth'

model = dict(
    _base_.single_teacher_distill,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        _base_.pkd_fpn_distiller,
        # mmrazor's weight for RetinaNet teachers on COCO
        distill_losses={
            name: dict(loss, loss_weight=10.0)
            for name, loss in _base_.pkd_fpn_distiller.distill_losses.items()
        }))
