# FGD on the FPN for COCO with a smaller pair: GFL R50 (ms 2x) teacher ->
# GFL R18 student, 1x; the R101 -> R50 recipe with the backbones swapped by
# inheritance. Only the student's head starts from the teacher (the neck's
# lateral convolutions differ in shape). The teacher: mmdet's model-zoo
# checkpoint of mmdet::gfl/gfl_r50_fpn_ms-2x_coco.py.
_base_ = './fgd_fpn_gfl_r101_gfl_r50_1x_coco.py'

teacher_ckpt = 'checkpoints/gfl_r50_fpn_mstrain_2x_coco_20200629_213802-37bb1edc.pth'  # noqa: E501

model = dict(
    student_from_teacher=['bbox_head'],
    architecture=dict(
        backbone=dict(
            depth=18,
            init_cfg=dict(checkpoint=_base_.imagenet_checkpoints['resnet18'])),
        neck=dict(in_channels=[64, 128, 256, 512])),
    teacher=dict(cfg_path='mmdet::gfl/gfl_r50_fpn_ms-2x_coco.py'),
    teacher_ckpt=teacher_ckpt)
