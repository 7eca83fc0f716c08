# FGD on the FPN for COCO: RetinaNet R101 teacher -> RetinaNet R50 student, 2x,
# with FGD's published RetinaNet weights (_base_/distillers/fgd_fpn.py); the
# student's neck and head start from the teacher (StudentFromTeacherDistill).
# Needs: COCO in data/coco and, in checkpoints/, the ImageNet weights and
# mmdet's model-zoo teacher of mmdet::retinanet/retinanet_r101_fpn_2x_coco.py
# (`python tools/misc/download_weights.py --config THIS_CONFIG`; another
# teacher: --cfg-options model.teacher_ckpt=FILE).
_base_ = [
    '../coco/retinanet_r50_fpn_2x_coco.py', '../_base_/distillers/fgd_fpn.py',
    '../_base_/single_teacher_distill.py'
]

teacher_ckpt = 'checkpoints/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth'  # noqa: E501

model = dict(
    _base_.student_from_teacher_distill,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.fgd_fpn_distillers.retinanet)
