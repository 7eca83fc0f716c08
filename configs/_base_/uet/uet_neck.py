# UET with its map from the teacher's neck re-run on dropped-out backbone
# outputs (module level, variance of each FPN output), for detectors whose head
# head_moments cannot follow: RepPoints (ReLUs outside modules) and two-stage
# detectors (no dense bbox_head). `uet_neck_two_stage` reads FPN levels 0-3,
# the ones a two-stage FPN distils (level 4 is a max-pool of level 3).
_base_ = './uet_fpn.py'

uet_neck = dict(_base_.uet_fpn, level='module', measure='variance')
uet_neck_two_stage = dict(uet_neck, outputs={f'fpn{i}': i for i in range(4)})
