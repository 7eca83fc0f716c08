# UET as the paper states it (arXiv 2406.06999): dropout on the distilled
# teacher feature itself, K=5 samples at p_k = 0.15 + 0.05k, and the teacher
# target replaced by F_T + U_K (residual integration, no weighting).
_base_ = './uet_fpn.py'

uet_paper = dict(
    _base_.uet_fpn,
    mode='residual',
    residual_scale='sum',
    level='feature',
    measure='variance')
