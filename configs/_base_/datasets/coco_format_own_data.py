# Your own COCO-format dataset: set `data_root`, the classes (in the order of
# the file's categories) and the annotation files and image folders below.
# tools/train.py and tools/test.py set num_classes of the detector, student
# and teacher from `metainfo.classes`, and log it. Pipelines and batches are
# the demo data's (images resized to 128 px): change them for larger images.
_base_ = './uet_demo_detection.py'

data_root = 'data/own_data/'
metainfo = dict(classes=('object', ))

train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/train.json',
        data_prefix=dict(img='train/')))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/val.json',
        data_prefix=dict(img='val/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
