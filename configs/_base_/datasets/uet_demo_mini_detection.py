# The CPU mini-benchmark's data: demo data of 96 px images with noisy train
# annotations, written to data/uet_demo_mini by the generator command of
# configs/benchmarks/demo_fgd_uet.py.
_base_ = './uet_demo_detection.py'

data_root = 'data/uet_demo_mini/'
img_scale = (96, 96)
train_pipeline = [
    dict(step, scale=img_scale) if step['type'] == 'Resize' else step
    for step in _base_.train_pipeline
]
test_pipeline = [
    dict(step, scale=img_scale) if step['type'] == 'Resize' else step
    for step in _base_.test_pipeline
]
train_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
