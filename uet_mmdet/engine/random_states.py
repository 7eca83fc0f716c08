# Copyright (c) uet_mmdet authors. All rights reserved.
"""Every random stream a training process draws from, as checkpoint data.

The states are tensors, ints and tuples, so a checkpoint holding them still
loads with ``torch.load(weights_only=True)``.
"""
import random
from typing import Dict, Iterable, List

import numpy as np
import torch

RandomStates = Dict[str, object]


def capture_random_states(owners: Iterable[object] = ()) -> RandomStates:
    """The states of Python's, numpy's and torch's global generators (CUDA
    included once initialised) and of ``owners``' own generators.

    Args:
        owners: Objects with ``get_rng_state()`` and ``set_rng_state(state)``
            (which returns what it could not restore, as a list of str),
            e.g. UET's estimators; their order is their key.
    """
    kind, keys, position, has_gauss, gauss = np.random.get_state()
    states = dict(
        python=random.getstate(),
        numpy=(kind, torch.from_numpy(keys.astype(np.int64)), position,
               has_gauss, gauss),
        torch=torch.get_rng_state(),
        owners=[owner.get_rng_state() for owner in owners])
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def restore_random_states(
    states: RandomStates, owners: Iterable = ()) -> List[str]:
    """Continue every stream of :func:`capture_random_states` from
    ``states``.

    Returns:
        list[str]: What could not be restored, e.g. CUDA streams saved on a
        machine with more devices; empty when everything was.
    """
    skipped = []
    random.setstate(states['python'])
    kind, keys, position, has_gauss, gauss = states['numpy']
    np.random.set_state((kind, keys.cpu().numpy().astype(np.uint32), position,
                         has_gauss, gauss))
    torch.set_rng_state(states['torch'].cpu())
    cuda = states.get('cuda', [])
    if cuda and torch.cuda.is_available() and (len(cuda)
                                               <= torch.cuda.device_count()):
        for device, state in enumerate(cuda):
            torch.cuda.set_rng_state(state.cpu(), device)
    elif cuda:
        skipped.append(f'CUDA generators of {len(cuda)} devices')
    owners = list(owners)
    saved = states.get('owners', [])
    if len(saved) != len(owners):
        skipped.append(f'{len(saved)} generators of UET estimators (the '
                       f'model has {len(owners)})')
    else:
        for owner, state in zip(owners, saved):
            skipped += owner.set_rng_state(state)
    return skipped


__all__ = ['RandomStates', 'capture_random_states', 'restore_random_states']
