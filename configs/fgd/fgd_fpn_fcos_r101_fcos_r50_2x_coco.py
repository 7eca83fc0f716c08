# FGD on the FPN for COCO: FCOS R101 teacher -> FCOS R50 student (Caffe-style,
# ms 2x), with FGD's published FCOS weights (_base_/distillers/fgd_fpn.py).
# Needs: COCO in data/coco and, in checkpoints/, the ImageNet weights and
# mmdet's model-zoo teacher of
# mmdet::fcos/fcos_r101-caffe_fpn_gn-head_ms-640-800-2x_coco.py
# (`python tools/misc/download_weights.py --config THIS_CONFIG`; another
# teacher: --cfg-options model.teacher_ckpt=FILE).
_base_ = [
    '../coco/fcos_r50-caffe_fpn_gn-head_ms-640-800-2x_coco.py',
    '../_base_/distillers/fgd_fpn.py', '../_base_/single_teacher_distill.py'
]

teacher_ckpt = 'checkpoints/fcos_r101_caffe_fpn_gn-head_mstrain_640-800_2x_coco-511424d6.pth'  # noqa: E501

model = dict(
    _base_.single_teacher_distill,
    # FGD starts the student's neck and head from the teacher (same shapes)
    architecture=dict(
        _base_.model,
        neck=dict(
            _base_.model.neck,
            init_cfg=dict(
                type='Pretrained', prefix='neck.', checkpoint=teacher_ckpt)),
        bbox_head=dict(
            _base_.model.bbox_head,
            init_cfg=dict(
                type='Pretrained',
                prefix='bbox_head.',
                checkpoint=teacher_ckpt))),
    teacher=dict(
        cfg_path='mmdet::fcos/'
        'fcos_r101-caffe_fpn_gn-head_ms-640-800-2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        _base_.fgd_fpn_distiller,
        distill_losses={
            name: dict(loss, **_base_.fgd_weights.fcos)
            for name, loss in _base_.fgd_fpn_distiller.distill_losses.items()
        }))
