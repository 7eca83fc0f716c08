# The CPU mini-benchmark (README): on demo data with noisy train annotations
# (10 % of boxes dropped, 10 % with a wrong class, corners jittered by 10 % of
# the box size), a RetinaNet R50 teacher trained 16 epochs teaches RetinaNet
# R18 students trained 4 epochs: alone, + FGD, + FGD+UET, seeds 0-2. About
# 50 min on 2 CPU cores (`make benchmark`):
#   python tools/reproduce.py configs/benchmarks/demo_fgd_uet.py
# demo_fgd_pkd_uet.py adds PKD and PKD+UET to the same table.
name = 'demo mini-benchmark: RetinaNet R50 -> R18'
prepare = [[
    'tools/misc/generate_demo_data.py', '--out', 'data/uet_demo_mini',
    '--num-train', '800', '--num-val', '200', '--img-size', '96', '--min-size',
    '8', '--max-size', '48', '--size-jitter', '8', '--max-objects', '5',
    '--box-jitter', '0.1', '--drop-prob', '0.1', '--flip-prob', '0.1'
]]
data = '../_base_/datasets/uet_demo_mini_detection.py'
schedule = '../_base_/schedules/schedule_demo_4e.py'
teacher = dict(
    config='../demo/retinanet_r50_fpn_demo.py',
    schedule='../_base_/schedules/schedule_demo_16e.py')
student = dict(config='../demo/retinanet_r18_fpn_demo.py')
fgd = dict(
    name='FGD', config='../fgd/fgd_fpn_retinanet_r50_retinanet_r18_demo.py')
fgd_uet = dict(
    name='FGD+UET',
    config='../uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py')
methods = [fgd, fgd_uet]
seeds = [0, 1, 2]
