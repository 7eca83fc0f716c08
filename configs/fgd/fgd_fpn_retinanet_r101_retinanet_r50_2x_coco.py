# FGD on the FPN for COCO: RetinaNet R101 teacher -> RetinaNet R50 student, 2x,
# with FGD's published RetinaNet weights (_base_/distillers/fgd_fpn.py).
# Needs: COCO in data/coco and, in checkpoints/, the ImageNet weights and
# mmdet's model-zoo teacher of mmdet::retinanet/retinanet_r101_fpn_2x_coco.py
# (`python tools/misc/download_weights.py --config THIS_CONFIG`; another
# teacher: --cfg-options model.teacher_ckpt=FILE).
_base_ = [
    '../coco/retinanet_r50_fpn_2x_coco.py', '../_base_/distillers/fgd_fpn.py',
    '../_base_/single_teacher_distill.py'
]

teacher_ckpt = 'checkpoints/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth'

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
        cfg_path='mmdet::retinanet/retinanet_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.fgd_fpn_distiller)
