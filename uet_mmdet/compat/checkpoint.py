# Copyright (c) uet_mmdet authors. All rights reserved.
"""Safe checkpoint loading for mmengine 0.10.7 on torch >= 2.6.

torch >= 2.6 loads with ``weights_only=True``. mmengine's resume checkpoints
also pickle the message hub (``HistoryBuffer``) and numpy values, which that
check refuses. The fix is scoped: the extra globals are allowed only inside
:func:`allow_resume_globals`, which :class:`~uet_mmdet.engine.UETRunner` wraps
around resuming its own checkpoints. Every other load (teacher checkpoints,
``load_from``, ``init_cfg``) stays on plain ``weights_only=True`` and a refused
file gets an :class:`UnsafeCheckpointError` that says why and what to do.
"""
import contextlib
import os.path as osp
import pickle
from typing import Any, Callable, Iterator, List, Optional, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

_resume_depth = 0


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint that ``torch.load(weights_only=True)`` refuses."""


def _numpy_globals() -> List[Any]:
    multiarray = getattr(np, '_core', None) or np.core
    found = [
        np.ndarray, np.dtype, multiarray.multiarray._reconstruct,
        multiarray.multiarray.scalar
    ]
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        found += [getattr(dtypes, name) for name in dtypes.__all__]
    return found


def _resume_globals() -> List[Any]:
    import _codecs
    return [HistoryBuffer, *_numpy_globals(), _codecs.encode, getattr]


RESUME_GLOBALS = _resume_globals()


def _weights_only_supported() -> bool:
    return hasattr(torch.serialization, 'safe_globals')


@contextlib.contextmanager
def allow_resume_globals() -> Iterator[None]:
    """Allow the globals of an mmengine resume checkpoint while inside.

    ``builtins.getattr`` is among them, which makes ``weights_only``
    meaningless, so only wrap loads of checkpoints the run wrote itself.
    """
    global _resume_depth
    _resume_depth += 1
    try:
        if _weights_only_supported():
            with torch.serialization.safe_globals(RESUME_GLOBALS):
                yield
        else:
            yield
    finally:
        _resume_depth -= 1


def load_from_local_weights_only(filename: str,
                                 map_location: Optional[Union[
                                     str, Callable]] = None):
    """mmengine's local checkpoint loader with an explicit ``weights_only``.

    Args:
        filename (str): Path of the checkpoint.
        map_location (str | callable, optional): Same as :func:`torch.load`.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: the file holds more than tensors and plain
            containers and is not a resume of this run.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    if not _weights_only_supported():
        # torch < 2.5 has no scoped allow-list; keep that torch's own default.
        return torch.load(filename, map_location=map_location)
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if _resume_depth:
            raise
        reason = str(error).strip().splitlines()
        detail = next((line for line in reason if 'GLOBAL' in line),
                      reason[0] if reason else '')
        raise UnsafeCheckpointError(
            f'{filename} is not a plain weights file, so torch.load('
            f'weights_only=True) refused it ({detail.strip()}). If it is a '
            'checkpoint of the plain mmengine Runner that you made, export '
            'its weights with `python tools/model_converters/publish_model.py '
            f'{filename} OUT.pth --trust` and use the OUT-<sha256>.pth it '
            'writes; resume it with '
            "runner_type='UETRunner'.") from None


def install_weights_only_loader() -> None:
    """Make :func:`load_from_local_weights_only` the local-file loader."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_weights_only, force=True)


__all__ = [
    'RESUME_GLOBALS', 'UnsafeCheckpointError', 'allow_resume_globals',
    'install_weights_only_loader', 'load_from_local_weights_only'
]
