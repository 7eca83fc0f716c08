# UET for logit distillation at module level: dropout on the teacher's FPN
# outputs, its bbox head re-run on the K copies in one batch. The head
# returns (cls_scores, bbox_preds), one tensor per level each; `outputs`
# points a teacher recorder at one of the two lists, and the record index of
# each loss picks the level. Uncertainty of sigmoid logits: the mutual
# information (epistemic part of the predictive entropy).
uet_head_cls = dict(
    mode='both',
    residual_scale='mean',
    num_samples=5,
    p0=0.15,
    delta=0.05,
    level='module',
    module='bbox_head',
    outputs=dict(cls=0),
    measure='mutual_information',
    tau=1.0)

custom_hooks = [dict(type='UETHook', start_iter=0, stop_epoch=None)]
