# The data of the demo benchmark with a wide student-teacher gap: 96 px images
# whose objects (16-48 px) every anchor level can match, little clutter, 500
# validation images; written to data/uet_demo_gap by the generator command of
# configs/benchmarks/demo_gap_fgd_uet.py.
_base_ = './uet_demo_mini_detection.py'

data_root = 'data/uet_demo_gap/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
