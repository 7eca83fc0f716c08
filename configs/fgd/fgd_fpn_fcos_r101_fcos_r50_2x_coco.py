# FGD on the FPN for COCO: FCOS R101 teacher -> FCOS R50 student (Caffe-style,
# ms 2x), with FGD's published FCOS weights (_base_/distillers/fgd_fpn.py); the
# student's neck and head start from the teacher (StudentFromTeacherDistill).
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
    _base_.student_from_teacher_distill,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::fcos/'
        'fcos_r101-caffe_fpn_gn-head_ms-640-800-2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.fgd_fpn_distillers.fcos)
