# FGD on the FPN for COCO: Faster R-CNN R101 teacher -> R50 student, 2x, on FPN
# levels 0-3 with FGD's published Faster R-CNN weights
# (_base_/distillers/fgd_fpn_two_stage.py); the student's neck starts from the
# teacher (StudentFromTeacherDistill).
# Needs: COCO in data/coco and, in checkpoints/, the ImageNet weights and
# mmdet's model-zoo teacher of
# mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py
# (`python tools/misc/download_weights.py --config THIS_CONFIG`; another
# teacher: --cfg-options model.teacher_ckpt=FILE).
_base_ = [
    '../coco/faster-rcnn_r50_fpn_2x_coco.py',
    '../_base_/distillers/fgd_fpn_two_stage.py',
    '../_base_/single_teacher_distill.py'
]

teacher_ckpt = 'checkpoints/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth'  # noqa: E501

model = dict(
    _base_.student_from_teacher_distill,
    student_from_teacher=['neck'],
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.fgd_fpn_two_stage_distiller)
