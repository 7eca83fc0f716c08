# Copyright (c) uet_mmdet authors. All rights reserved.
"""Test-only modules that make a distributed run comparable to a
one-process run of the same global batch; configs load them with
``custom_imports`` (the repository root on ``PYTHONPATH``)."""
import json
import os.path as osp

import torch
from mmdet.models.dense_heads import RetinaHead
from mmdet.registry import MODELS
from mmdet.utils import reduce_mean
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@MODELS.register_module()
class GlobalBatchRetinaHead(RetinaHead):
    """RetinaHead normalising its losses by the positives of the global
    batch.

    mmdet's anchor heads divide by the positives of the rank's own images,
    so a distributed loss is the mean over ranks of differently normalised
    losses; with the rank mean of the positives (as FCOS and GFL do) the
    mean over ranks is the loss of one process holding every image.
    """

    def get_targets(self, *args, **kwargs) -> tuple:
        targets = super().get_targets(*args, **kwargs)
        positives = torch.tensor(float(targets[4]))
        return targets[:4] + (reduce_mean(positives).item(), ) + targets[5:]


def _estimator(runner):
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model
    return getattr(getattr(model, 'distiller', None), 'estimator', None)


@HOOKS.register_module()
class RankLossRecorder(Hook):
    """Writes to ``WORK_DIR/losses_rank{rank}.json`` this rank's losses and
    image ids of every training iteration (mmengine logs rank 0's only) and
    the seed of UET's mask stream."""

    priority = 'LOWEST'

    def before_train(self, runner) -> None:
        estimator = _estimator(runner)
        self.record = dict(
            uet_seed=None if estimator is None else estimator.generator(
                torch.device('cpu')).initial_seed(),
            iterations=[])

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        self.record['iterations'].append(
            dict(
                img_ids=[
                    sample.img_id for sample in data_batch['data_samples']
                ],
                losses={
                    key: value.item()
                    for key, value in outputs.items()
                }))

    def after_train(self, runner) -> None:
        path = osp.join(runner.work_dir, f'losses_rank{get_rank()}.json')
        with open(path, 'w') as f:
            json.dump(self.record, f)


@HOOKS.register_module()
class UETMaskSeedHook(Hook):
    """Restarts UET's mask stream from ``seed`` before training: other
    masks, everything else as the config's seed makes it.

    Args:
        seed (int): The mask stream's seed.
    """

    priority = 'VERY_HIGH'

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def before_train(self, runner) -> None:
        _estimator(runner).manual_seed(self.seed)
