# FGD on the FPN for COCO: RepPoints R101 teacher -> RepPoints R50 student, 2x,
# with FGD's published RepPoints weights (_base_/distillers/fgd_fpn.py); the
# student's neck and head start from the teacher (StudentFromTeacherDistill).
# Needs: COCO in data/coco and, in checkpoints/, the ImageNet weights and
# mmdet's model-zoo teacher of
# mmdet::reppoints/reppoints-moment_r101_fpn-gn_head-gn_2x_coco.py
# (`python tools/misc/download_weights.py --config THIS_CONFIG`; another
# teacher: --cfg-options model.teacher_ckpt=FILE).
_base_ = [
    '../coco/reppoints-moment_r50_fpn-gn_head-gn_2x_coco.py',
    '../_base_/distillers/fgd_fpn.py', '../_base_/single_teacher_distill.py'
]

teacher_ckpt = 'checkpoints/reppoints_moment_r101_fpn_gn-neck+head_2x_coco_20200329-4fbc7310.pth'  # noqa: E501

model = dict(
    _base_.student_from_teacher_distill,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::reppoints/'
        'reppoints-moment_r101_fpn-gn_head-gn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.fgd_fpn_distillers.reppoints)
