# Your own data, one data file and this spec: the demo's RetinaNet R50
# teacher (16 epochs) and R18 students (8 epochs) on the COCO-format dataset
# of configs/_base_/datasets/coco_format_own_data.py; alone, + FGD, + FGD+UET
# paired with FGD; num_classes follows the data file's classes:
#   python tools/reproduce.py configs/benchmarks/own_data_fgd_uet.py
name = 'own data: RetinaNet R50 -> R18'
data = '../_base_/datasets/coco_format_own_data.py'
teacher = dict(config='../demo/retinanet_r50_fpn_demo.py')
student = dict(config='../demo/retinanet_r18_fpn_demo.py')
methods = [
    dict(
        name='FGD',
        config='../fgd/fgd_fpn_retinanet_r50_retinanet_r18_demo.py'),
    dict(
        name='FGD+UET',
        config='../uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py',
        against='FGD'),
]
seeds = [0, 1, 2, 3, 4]  # a paired difference needs at least 5
