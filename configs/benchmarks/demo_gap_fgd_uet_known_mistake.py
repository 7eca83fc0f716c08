# The gap benchmark with a teacher whose mistake is known by construction:
# trained on the clean annotations with every `star` labelled `cross`. The
# students learn from the clean annotations and that teacher; the table
# reports their AP on `star` (where copying the teacher is wrong) and on
# `cross`, paired with FGD seed by seed. As long as demo_gap_fgd_uet.py:
#   python tools/reproduce.py \
#       configs/benchmarks/demo_gap_fgd_uet_known_mistake.py
_base_ = './demo_gap_fgd_uet.py'

name = 'demo gap known mistake: teacher sees star as cross'
prepare = _base_.prepare + [[
    'tools/misc/relabel_annotations.py',
    'data/uet_demo_gap/annotations/instances_train_clean.json',
    'data/uet_demo_gap/annotations/instances_train_star_as_cross.json',
    '--from-class', 'star', '--to-class', 'cross'
]]
teacher = dict(
    _base_.teacher,
    cfg_options={
        'train_dataloader.dataset.ann_file':
        'annotations/instances_train_star_as_cross.json'
    })
cfg_options = {
    'train_dataloader.dataset.ann_file':
    'annotations/instances_train_clean.json',
    'val_evaluator.classwise': True,
    'test_evaluator.classwise': True,
}
report = ['star_precision', 'cross_precision']
