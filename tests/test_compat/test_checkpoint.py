# Copyright (c) uet_mmdet authors. All rights reserved.
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

import uet_mmdet  # noqa: F401
from uet_mmdet.compat import UnsafeCheckpointError, allow_resume_globals
from uet_mmdet.engine.hooks import WeightsOnlyCheckpointHook


def _mmengine_style_checkpoint():
    buffer = HistoryBuffer()
    for value in (1.0, 0.5, 0.25):
        buffer.update(value)
    return dict(
        meta=dict(epoch=1, iter=3),
        state_dict={'weight': torch.ones(2)},
        message_hub=dict(
            log_scalars={'train/loss': buffer},
            runtime_info={
                'scale': np.float64(2.0),
                'mean': np.arange(3.0)
            },
            resumed_keys={'train/loss': True}))


def _load(path):
    return CheckpointLoader.load_checkpoint(str(path), map_location='cpu')


def test_plain_weights_load(tmp_path):
    path = tmp_path / 'weights.pth'
    torch.save(dict(state_dict={'weight': torch.ones(2)}), path)
    assert torch.equal(_load(path)['state_dict']['weight'], torch.ones(2))


def test_mmengine_checkpoint_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    torch.save(_mmengine_style_checkpoint(), path)
    with pytest.raises(
            UnsafeCheckpointError, match='publish_model.py') as error:
        _load(path)
    assert 'weights_only=True' in str(error.value)


def test_resume_scope_allows_mmengine_globals_only_inside(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    torch.save(_mmengine_style_checkpoint(), path)
    with allow_resume_globals():
        checkpoint = _load(path)
    buffer = checkpoint['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(0.5833, abs=1e-4)
    with pytest.raises(UnsafeCheckpointError):
        _load(path)


class _Arbitrary:

    def __reduce__(self):
        return (print, ('arbitrary code', ))


def test_weights_only_is_not_switched_off(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _Arbitrary()}, path)
    with pytest.raises(UnsafeCheckpointError):
        _load(path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


def test_hook_makes_checkpoints_weights_only_loadable(tmp_path):
    checkpoint = _mmengine_style_checkpoint()
    hook = WeightsOnlyCheckpointHook()
    hook.before_save_checkpoint(None, checkpoint)
    path = tmp_path / 'epoch_1.pth'
    torch.save(checkpoint, path)
    loaded = torch.load(path, weights_only=True)
    hook.after_load_checkpoint(None, loaded)
    hub = loaded['message_hub']
    buffer = hub['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    np.testing.assert_allclose(buffer.data[0], [1.0, 0.5, 0.25])
    assert hub['runtime_info']['scale'] == 2.0
    np.testing.assert_array_equal(hub['runtime_info']['mean'], np.arange(3.0))
