# FGD on the FPN for COCO: Faster R-CNN R101 teacher -> R50 student,
# 2x schedule, published FGD hyper-parameters (temp 0.5, alpha 0.00005,
# beta 0.000025, gamma 0.00005, lambda 0.0000005, FPN levels 0-3).
# Needs: COCO in data/coco and, in checkpoints/, the ImageNet weights and
# mmdet's model-zoo teacher of
# mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py
# (`python tools/misc/download_weights.py --config THIS_CONFIG`; another
# teacher: --cfg-options model.teacher_ckpt=FILE).
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py',
    '../_base_/uet_plugin.py', '../_base_/models/imagenet_weights.py',
    '../_base_/distillers/fgd_fpn.py'
]

teacher_ckpt = 'checkpoints/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth'  # noqa: E501

student = _base_.model
student.backbone.init_cfg = dict(
    type='Pretrained', checkpoint=_base_.imagenet_checkpoints['resnet50'])
# FGD starts the student's neck from the teacher (same shapes).
student.neck.init_cfg = dict(
    type='Pretrained', prefix='neck.', checkpoint=teacher_ckpt)

distiller = _base_.fgd_fpn_distiller
distiller.student_recorders.gt.source = (
    'mmdet.models.detectors.TwoStageDetector.loss')
# Faster R-CNN's FPN has convs on levels 0-3 only (level 4 is max-pooled)
for group, key in (('student_recorders', 'fpn4'),
                   ('teacher_recorders', 'fpn4'),
                   ('distill_losses', 'loss_fgd_fpn4'),
                   ('loss_forward_mappings', 'loss_fgd_fpn4')):
    distiller[group].pop(key)
for fgd_loss in distiller.distill_losses.values():
    fgd_loss.update(
        temp=0.5,
        alpha_fgd=0.00005,
        beta_fgd=0.000025,
        gamma_fgd=0.00005,
        lambda_fgd=0.0000005)
del group, key, fgd_loss

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture=student,
    teacher=dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=distiller)

find_unused_parameters = True
