# Copyright (c) uet_mmdet authors. All rights reserved.
"""Download the weights of :data:`MODEL_ZOO`, checked against the sha256
prefix in their names, into the paths the configs read."""
import hashlib
import http.client
import os
import os.path as osp
import tempfile
import urllib.error
import urllib.request
from typing import Iterator, Optional, Tuple

from mmengine.config import Config

from uet_mmdet.errors import UserInputError
from .checkpoint_export import sha256_of
from .config_checks import checkpoint_paths
from .model_zoo import DEFAULT_DIR, MODEL_ZOO, ZooWeights, weights_named

_CHUNK = 1 << 20


class WeightsDownloadError(UserInputError):
    """A download failed, or a file does not match its sha256 prefix: the
    user can retry, give a mirror or move the file away."""


def _source(weights: ZooWeights, mirror: Optional[str]) -> str:
    if mirror is None:
        return weights.url
    return f'{mirror.rstrip("/")}/{osp.basename(weights.url)}'


def _fetch(url: str, folder: str, timeout: float) -> Tuple[str, str]:
    """Stream ``url`` into a hidden file of ``folder``: (path, sha256)."""
    digest = hashlib.sha256()
    handle, part = tempfile.mkstemp(
        prefix='.download-', suffix='.part', dir=folder)
    try:
        with os.fdopen(handle, 'wb') as out, urllib.request.urlopen(
                url, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(_CHUNK), b''):
                digest.update(chunk)
                out.write(chunk)
    except BaseException as error:  # never leave a partial file behind
        os.remove(part)
        if not isinstance(error,
                          (OSError, ValueError, http.client.HTTPException)):
            raise
        reason = error
        if (isinstance(error, urllib.error.URLError)
                and not isinstance(error, urllib.error.HTTPError)):
            reason = error.reason
        raise WeightsDownloadError(
            f'cannot download {url}: {" ".join(str(reason).split())}'
        ) from None
    return part, digest.hexdigest()


def download_weights(name: str,
                     path: Optional[str] = None,
                     mirror: Optional[str] = None,
                     timeout: float = 60.0) -> str:
    """Make ``path`` hold the weights :data:`MODEL_ZOO` calls ``name``.

    A file already there with the right sha256 prefix is kept. A download
    goes to a hidden file next to ``path`` and replaces ``path`` only when
    its sha256 starts with the table's prefix, so ``path`` never holds a
    partial or wrong file.

    Args:
        name (str): A key of :data:`MODEL_ZOO`.
        path (str, optional): Where to put it; ``checkpoints/<filename>``
            by default.
        mirror (str, optional): A base URL holding the files under their
            published names, used instead of the table's URL.
        timeout (float): Seconds to wait for the server.

    Returns:
        str: ``'present'`` or ``'downloaded'``.

    Raises:
        WeightsDownloadError: The name is unknown, the download failed, or
            the file there or downloaded has another sha256 prefix.
    """
    if name not in MODEL_ZOO:
        raise WeightsDownloadError(
            f'no weights called {name!r}; known: {", ".join(MODEL_ZOO)}')
    weights = MODEL_ZOO[name]
    path = path or osp.join(DEFAULT_DIR, weights.filename)
    expected = weights.sha256_prefix
    if osp.isfile(path):
        found = sha256_of(path)
        if found.startswith(expected):
            return 'present'
        raise WeightsDownloadError(
            f'{path} is there but its sha256 starts with '
            f'{found[:len(expected)]}, not {expected} ({name}); move it away '
            'to download it again')
    folder = osp.dirname(path) or '.'
    os.makedirs(folder, exist_ok=True)
    url = _source(weights, mirror)
    part, found = _fetch(url, folder, timeout)
    if not found.startswith(expected):
        os.remove(part)
        raise WeightsDownloadError(
            f'{url} has sha256 {found[:len(expected)]}..., not {expected}... '
            f'({name}): corrupted or changed upstream, not kept')
    os.replace(part, path)
    return 'downloaded'


def config_weights(cfg: Config) -> Iterator[Tuple[str, str, Optional[str]]]:
    """``(what, path, table name or None)`` for every local checkpoint file
    the config reads (teacher, ``load_from``, ``Pretrained`` init)."""
    for what, path in checkpoint_paths(cfg):
        yield what, path, weights_named(path)


__all__ = ['WeightsDownloadError', 'config_weights', 'download_weights']
