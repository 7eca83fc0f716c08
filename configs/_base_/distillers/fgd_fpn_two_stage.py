# FGD on the FPN of a two-stage detector, with FGD's published Faster R-CNN
# weights: mmdet's Faster R-CNN FPN has convs on levels 0-3 only (level 4 is a
# max-pool of level 3), and ground truth reaches the losses through
# `TwoStageDetector.loss`. Otherwise fgd_fpn.py's distiller.
# Use as `distiller=_base_.fgd_fpn_two_stage_distiller`.
_base_ = './fgd_fpn.py'

two_stage_fpn_recorders = {
    f'fpn{i}': _base_.fpn_recorders[f'fpn{i}']
    for i in range(4)
}
fgd_fpn_faster_rcnn = _base_.fgd_fpn_distillers.faster_rcnn
fgd_fpn_two_stage_distiller = dict(
    fgd_fpn_faster_rcnn,
    student_recorders=dict(
        two_stage_fpn_recorders,
        gt=dict(
            type='MethodInputs',
            source='mmdet.models.detectors.TwoStageDetector.loss')),
    teacher_recorders=two_stage_fpn_recorders,
    distill_losses={
        f'loss_fgd_{level}':
        fgd_fpn_faster_rcnn.distill_losses[f'loss_fgd_{level}']
        for level in two_stage_fpn_recorders
    },
    loss_forward_mappings={
        f'loss_fgd_{level}':
        fgd_fpn_faster_rcnn.loss_forward_mappings[f'loss_fgd_{level}']
        for level in two_stage_fpn_recorders
    })
