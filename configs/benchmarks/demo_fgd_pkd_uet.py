# CPU mini-benchmark on the embedded demo data (make demo generates it in
# data/uet_demo): RetinaNet R50 teacher -> R18 student alone, + FGD, + FGD+UET,
# + PKD, + PKD+UET, over 3 seeds.
#   python tools/reproduce.py configs/benchmarks/demo_fgd_pkd_uet.py
# To reuse the teacher of `make demo`, add to `teacher`:
#   checkpoint='../../work_dirs/demo/teacher_r50/epoch_16.pth'
name = 'demo: RetinaNet R50 -> R18'
teacher = dict(config='../demo/retinanet_r50_fpn_demo.py')
student = dict(config='../demo/retinanet_r18_fpn_demo.py')
methods = [
    dict(
        name='FGD',
        config='../fgd/fgd_fpn_retinanet_r50_retinanet_r18_demo.py'),
    dict(
        name='FGD+UET',
        config='../uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'),
    dict(
        name='PKD',
        config='../pkd/pkd_fpn_retinanet_r50_retinanet_r18_demo.py'),
    dict(
        name='PKD+UET',
        config='../uet/pkd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'),
]
seeds = [0, 1, 2]
