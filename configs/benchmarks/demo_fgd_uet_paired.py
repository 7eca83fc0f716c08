# The CPU mini-benchmark as a paired comparison: 5 seeds, and every UET row
# paired with FGD seed by seed (mean difference and 95 % bootstrap interval
# in results.md), beside the shuffled-weights control and the paper's
# literal UET. Same name, so the same work dir as demo_fgd_uet.py (its
# teacher and seeds 0-2 are reused):
#   python tools/reproduce.py configs/benchmarks/demo_fgd_uet_paired.py
_base_ = './demo_fgd_uet.py'

methods = [
    _base_.fgd,
    dict(_base_.fgd_uet, against='FGD'),
    dict(
        name='FGD+UET shuffled',
        config='../uet/fgd_uet-shuffled_fpn_retinanet_r50_retinanet_r18_'
        'demo.py',
        against='FGD'),
    dict(
        name='FGD+UET paper',
        config='../uet/fgd_uet-paper_fpn_retinanet_r50_retinanet_r18_demo.py',
        against='FGD'),
]
seeds = [0, 1, 2, 3, 4]
