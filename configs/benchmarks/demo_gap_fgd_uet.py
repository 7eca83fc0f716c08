# The CPU benchmark meant to resolve a UET effect: objects that every anchor
# level matches and little clutter, so the students leave the floor of the
# mini-benchmark, and a 16-epoch R50 teacher far ahead of 4-epoch R18
# students. 5 seeds; UET and its shuffled-weights control are paired with FGD
# seed by seed. Run side by side with the known-mistake spec on 2 CPU cores,
# one thread each: 1 h 40 min, the control 45 min more (the tool resumes):
#   python tools/reproduce.py configs/benchmarks/demo_gap_fgd_uet.py
_base_ = './demo_fgd_uet_paired.py'

name = 'demo gap benchmark: RetinaNet R50 -> R18'
prepare = [[
    'tools/misc/generate_demo_data.py', '--out', 'data/uet_demo_gap',
    '--num-train', '800', '--num-val', '500', '--img-size', '96', '--min-size',
    '16', '--max-size', '48', '--size-jitter', '8', '--max-objects', '4',
    '--clutter', '0.5', '--low-contrast-prob', '0.1', '--box-jitter', '0.1',
    '--drop-prob', '0.1', '--flip-prob', '0.1'
]]
data = '../_base_/datasets/uet_demo_gap_detection.py'
methods = _base_.methods[:3]
# does UET's placement of the weights matter? UET against its control
compare = [['FGD+UET', 'FGD+UET shuffled']]
