# FGD on the FPN for COCO: RepPoints R101 teacher -> RepPoints R50 student,
# 2x schedule, published FGD hyper-parameters (temp 0.5, alpha 0.0016,
# beta 0.0008, gamma 0.0008, lambda 0.000008, FPN levels 0-4).
# Needs: COCO in data/coco and, in checkpoints/, the ImageNet weights and
# mmdet's model-zoo teacher of
# mmdet::reppoints/reppoints-moment_r101_fpn-gn_head-gn_2x_coco.py
# (`python tools/misc/download_weights.py --config THIS_CONFIG`; another
# teacher: --cfg-options model.teacher_ckpt=FILE).
_base_ = [
    'mmdet::reppoints/reppoints-moment_r50_fpn-gn_head-gn_2x_coco.py',
    '../_base_/uet_plugin.py', '../_base_/models/imagenet_weights.py',
    '../_base_/distillers/fgd_fpn.py'
]

teacher_ckpt = 'checkpoints/reppoints_moment_r101_fpn_gn-neck+head_2x_coco_20200329-4fbc7310.pth'  # noqa: E501

student = _base_.model
student.backbone.init_cfg = dict(
    type='Pretrained', checkpoint=_base_.imagenet_checkpoints['resnet50'])
# FGD starts the student's neck and head from the teacher (same shapes).
student.neck.init_cfg = dict(
    type='Pretrained', prefix='neck.', checkpoint=teacher_ckpt)
student.bbox_head.init_cfg = dict(
    type='Pretrained', prefix='bbox_head.', checkpoint=teacher_ckpt)

distiller = _base_.fgd_fpn_distiller
for fgd_loss in distiller.distill_losses.values():
    fgd_loss.update(
        temp=0.5,
        alpha_fgd=0.0016,
        beta_fgd=0.0008,
        gamma_fgd=0.0008,
        lambda_fgd=0.000008)
del fgd_loss

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture=student,
    teacher=dict(
        cfg_path='mmdet::reppoints/reppoints-moment_r101_fpn-gn_head-gn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=distiller)

find_unused_parameters = True
