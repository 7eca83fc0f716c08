# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Any, Dict

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer
from mmengine.registry import HOOKS

_BUFFER_TAG = '__history_buffer__'
_ARRAY_TAG = '__ndarray__'


def _encode(value: Any) -> Any:
    if isinstance(value, HistoryBuffer):
        log_history, count_history = value.data
        return {
            _BUFFER_TAG: True,
            'log_history': torch.from_numpy(np.asarray(log_history)),
            'count_history': torch.from_numpy(np.asarray(count_history)),
            'max_length': value.max_length,
        }
    if isinstance(value, np.ndarray):
        return {_ARRAY_TAG: torch.from_numpy(value)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return type(value)((key, _encode(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_encode(item) for item in value)
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(_BUFFER_TAG) is True:
            return HistoryBuffer(value['log_history'].numpy(),
                                 value['count_history'].numpy(),
                                 value['max_length'])
        if set(value) == {_ARRAY_TAG}:
            return value[_ARRAY_TAG].numpy()
        return type(value)((key, _decode(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_decode(item) for item in value)
    return value


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Write the message hub so that checkpoints load with ``weights_only``.

    mmengine pickles ``HistoryBuffer`` objects and numpy values into every
    checkpoint, so ``torch.load(weights_only=True)`` (torch >= 2.6 default)
    refuses them: ``tools/test.py``, teacher checkpoints and ``load_from``
    would all fail. This hook stores them as tensors and plain containers on
    save and restores them on load.

    Note:
        - :class:`~uet_mmdet.engine.UETRunner` registers it; nothing needs
          to be configured.
        - Only ``checkpoint['message_hub']`` changes; it runs last on save
          (``LOWEST`` priority), after every other hook added its state.
        - Checkpoints of the plain mmengine Runner still load: values that
          are not in the encoded form pass through unchanged.
    """

    priority = 'LOWEST'  # encode after every other hook has added its state

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        """Encode the message hub as tensors and plain containers.

        Args:
            runner (Runner): The runner of the training process.
            checkpoint (dict): The checkpoint to be saved, changed in place.
        """
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = _encode(checkpoint['message_hub'])

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        """Decode what :meth:`before_save_checkpoint` encoded.

        Args:
            runner (Runner): The runner of the training process.
            checkpoint (dict): The loaded checkpoint, changed in place.
        """
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = _decode(checkpoint['message_hub'])
