# UET on the five FPN levels at module level: dropout on the teacher's
# backbone outputs, its FPN re-run on the K copies in one batch; the MC mean
# and variance of each FPN output feed the loss distilling that level.
# Weighting by the relative variance (spread over signal) was the best UET
# variant of the demo benchmark (configs/uet/README.md).
# A UET config turns a host into host+UET with
#   model = dict(distiller=dict(type='UETDistiller', uet=_base_.uet_fpn))
uet_fpn = dict(
    mode='weight',
    residual_scale='mean',
    num_samples=5,
    p0=0.15,
    delta=0.05,
    channel_wise=False,
    level='module',
    module='neck',
    outputs={f'fpn{i}': i
             for i in range(5)},
    measure='relative_variance',
    tau=1.0)

custom_hooks = [dict(type='UETHook', start_iter=0, stop_epoch=None)]
