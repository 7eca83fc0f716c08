# FGD on the FPN for COCO: RepPoints R101 teacher -> RepPoints R50 student, 2x,
# with FGD's published RepPoints weights (_base_/distillers/fgd_fpn.py).
# Needs: COCO in data/coco and, in checkpoints/, the ImageNet weights and
# mmdet's model-zoo teacher of
# mmdet::reppoints/reppoints-moment_r101_fpn-gn_head-gn_2x_coco.py
# (`python tools/misc/download_weights.py --config THIS_CONFIG`; another
# teacher: --cfg-options model.teacher_ckpt=FILE).
_base_ = [
    'mmdet::reppoints/reppoints-moment_r50_fpn-gn_head-gn_2x_coco.py',
    '../_base_/uet_plugin.py', '../_base_/models/imagenet_weights.py',
    '../_base_/distillers/fgd_fpn.py', '../_base_/single_teacher_distill.py'
]

teacher_ckpt = 'checkpoints/reppoints_moment_r101_fpn_gn-neck+head_2x_coco_20200329-4fbc7310.pth'  # noqa: E501

model = dict(
    _base_.single_teacher_distill,
    # the backbone from ImageNet; FGD starts the student's neck and head from
    # the teacher (same shapes)
    architecture=dict(
        _base_.model,
        backbone=dict(
            _base_.model.backbone,
            init_cfg=dict(
                type='Pretrained',
                checkpoint=_base_.imagenet_checkpoints['resnet50'])),
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
        cfg_path='mmdet::reppoints/'
        'reppoints-moment_r101_fpn-gn_head-gn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        _base_.fgd_fpn_distiller,
        distill_losses={
            name: dict(loss, **_base_.fgd_weights.reppoints)
            for name, loss in _base_.fgd_fpn_distiller.distill_losses.items()
        }))
