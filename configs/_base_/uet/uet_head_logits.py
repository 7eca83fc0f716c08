# UET for logit distillation at module level: dropout on the teacher's FPN
# outputs, its bbox head re-run on the K copies in one batch. The head
# returns (cls_scores, bbox_preds), one tensor per level each; `outputs`
# points a teacher recorder at one of the two lists, and the record index of
# each loss picks the level. Uncertainty of sigmoid logits: the mutual
# information (epistemic part of the predictive entropy).
_base_ = './uet_fpn.py'

uet_head_cls = dict(
    _base_.uet_fpn,
    level='module',
    module='bbox_head',
    outputs=dict(cls=0),
    measure='mutual_information')
# GFL's box-bin logits for LD: level i is `bbox_preds[i]` of the head output
# (uncertainty: the variance of the logits).
uet_head_gfl_reg = dict(
    uet_head_cls,
    outputs={f'reg{i}': [1, i]
             for i in range(5)},
    measure='variance')
