# Your own data, one data file and this spec: the demo's RetinaNet R50
# teacher (16 epochs) and R18 students (8 epochs) on the COCO-format dataset
# of configs/_base_/datasets/coco_format_own_data.py; alone, + FGD, + FGD+UET
# paired with FGD; num_classes follows the data file's classes:
#   python tools/reproduce.py configs/benchmarks/own_data_fgd_uet.py
# (the mini-benchmark's models and methods, demo_fgd_uet.py, with your data
# and the models' own schedules)
_base_ = './demo_fgd_uet.py'

name = 'own data: RetinaNet R50 -> R18'
prepare = []
data = '../_base_/datasets/coco_format_own_data.py'
schedule = None
teacher = dict(_delete_=True, config='../demo/retinanet_r50_fpn_demo.py')
methods = [_base_.fgd, dict(_base_.fgd_uet, against='FGD')]
seeds = [0, 1, 2, 3, 4]  # a paired difference needs at least 5
