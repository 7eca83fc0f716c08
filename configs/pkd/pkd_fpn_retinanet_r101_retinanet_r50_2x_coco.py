# PKD on the FPN for COCO: RetinaNet R101 teacher -> RetinaNet R50 student, 2x.
# Teacher weights: mmdet's model-zoo checkpoint of
# mmdet::retinanet/retinanet_r101_fpn_2x_coco.py, at `teacher_ckpt`
# (`python tools/misc/download_weights.py --config THIS_CONFIG`).
_base_ = [
    'mmdet::retinanet/retinanet_r50_fpn_2x_coco.py',
    '../_base_/uet_plugin.py', '../_base_/models/imagenet_weights.py',
    '../_base_/distillers/pkd_fpn.py'
]

teacher_ckpt = 'checkpoints/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth'

student = _base_.model
student.backbone.init_cfg = dict(
    type='Pretrained', checkpoint=_base_.imagenet_checkpoints['resnet50'])

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture=student,
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        _base_.pkd_fpn_distiller,
        # mmrazor's weight for RetinaNet teachers on COCO
        distill_losses={
            f'loss_pkd_fpn{i}': dict(type='PKDLoss', loss_weight=10.0)
            for i in range(_base_.fpn_levels)
        }))

find_unused_parameters = True
