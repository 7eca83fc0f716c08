# The demo schedule, half as long (students of the CPU mini-benchmark).
_base_ = './schedule_demo_8e.py'

max_epochs = 4
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=max_epochs, T_max=max_epochs)
]
