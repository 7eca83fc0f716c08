# The CPU mini-benchmark with PKD and PKD+UET added: the same work dir as
# demo_fgd_uet.py (same name), so after that spec it runs the 6 PKD runs only,
# about 25 min more on 2 CPU cores:
#   python tools/reproduce.py configs/benchmarks/demo_fgd_pkd_uet.py
_base_ = './demo_fgd_uet.py'

methods = _base_.methods + [
    dict(
        name='PKD',
        config='../pkd/pkd_fpn_retinanet_r50_retinanet_r18_demo.py'),
    dict(
        name='PKD+UET',
        config='../uet/pkd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'),
]
