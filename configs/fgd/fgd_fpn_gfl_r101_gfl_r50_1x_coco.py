# FGD on the FPN for COCO: GFL R101 teacher -> GFL R50 student, 1x, with FGD's
# published RetinaNet weights (_base_/distillers/fgd_fpn.py); the student's
# neck and head start from the teacher (StudentFromTeacherDistill).
# Needs: COCO in data/coco and, in checkpoints/, the ImageNet weights and
# mmdet's model-zoo teacher of mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py
# (`python tools/misc/download_weights.py --config THIS_CONFIG`; another
# teacher: --cfg-options model.teacher_ckpt=FILE).
_base_ = [
    '../coco/gfl_r50_fpn_1x_coco.py', '../_base_/distillers/fgd_fpn.py',
    '../_base_/single_teacher_distill.py'
]

teacher_ckpt = 'checkpoints/gfl_r101_fpn_mstrain_2x_coco_20200629_200126-dd12f847.pth'  # noqa: E501

model = dict(
    _base_.student_from_teacher_distill,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py', pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.fgd_fpn_distillers.retinanet)
