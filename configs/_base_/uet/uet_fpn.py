# UET on the five FPN levels, its map from the teacher's detector head: the
# mean and variance of dropout on each FPN output are propagated through the
# head's classification branch (no sampling), and locations where the
# teacher's class scores have a high entropy are weighted down. The best map
# of the calibration table in configs/uet/README.md (AUROC 0.90 for the
# teacher's largest errors; 0.62 for feature energy). Module level (the neck
# re-run on dropped-out backbone outputs) needs `level='module'` and uses
# `module` and `outputs`.
# A UET config turns a host (whose distiller is a UETDistiller) into host+UET:
#   _base_ = [HOST_CONFIG, '../_base_/uet/uet_fpn.py']
#   model = dict(distiller=dict(uet=_base_.uet_fpn))
# The variants in this folder inherit this file and keep its hook.
uet_fpn = dict(
    mode='weight',
    residual_scale='mean',
    num_samples=5,
    p0=0.15,
    delta=0.05,
    channel_wise=False,
    level='head_moments',
    head='bbox_head',
    measure='entropy',
    mapping='exp',
    tau=1.0,
    module='neck',
    outputs={f'fpn{i}': i
             for i in range(5)})

custom_hooks = [dict(type='UETHook', start_iter=0, stop_epoch=None)]
