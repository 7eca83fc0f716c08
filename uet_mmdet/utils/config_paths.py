# Copyright (c) uet_mmdet authors. All rights reserved.
"""Reading a config by key path: its dicts, its datasets, its local files;
and :class:`ConfigCheckError`, which the checks built on them raise."""
import os.path as osp
from typing import Any, Iterator, Optional, Tuple

from uet_mmdet.errors import ConfigError

URL_PREFIXES = ('http://', 'https://', 'torchvision://', 'open-mmlab://',
                'openmmlab://', 'modelzoo://', 'mmcls://', 'pavi://', 's3://')


class ConfigCheckError(ConfigError):
    """A config names a missing file, a type nobody registered or classes
    that do not fit; found before the Runner is built.

    Its message names the key in a sentence (``'annotation file
    (train_dataloader.dataset.ann_file) not found: ...'``), so ``str()`` is
    the message and the suggestion; :attr:`key` holds the key alone.
    """

    def __str__(self) -> str:
        if self.suggestion:
            return f'{self.message}; {self.suggestion}'
        return self.message


def walk_dicts(node: Any, path: str = '') -> Iterator[Tuple[str, dict]]:
    """Every dict nested in ``node``, with its key path.

    Args:
        node (Any): A config, or a part of one.
        path (str): The key path of ``node``.

    Yields:
        tuple[str, dict]: ``('model.backbone.init_cfg', {...})`` and so on;
        list items as ``key[index]``.
    """
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk_dicts(value, f'{path}.{key}' if path else str(key))
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from walk_dicts(value, f'{path}[{index}]')


def dataset_nodes(node: dict, path: str) -> Iterator[Tuple[str, dict]]:
    """The datasets a dataset config reads, wrappers (``dataset=``,
    ``datasets=``: Repeat, ClassBalanced, Concat, ...) looked through.

    Args:
        node (dict): A dataset config, e.g. ``train_dataloader.dataset``.
        path (str): Its key path.

    Yields:
        tuple[str, dict]: Each dataset's key path and config.
    """
    if 'dataset' in node:
        yield from dataset_nodes(node['dataset'], f'{path}.dataset')
    elif 'datasets' in node:
        for index, child in enumerate(node['datasets']):
            yield from dataset_nodes(child, f'{path}.datasets[{index}]')
    else:
        yield path, node


def is_local(path: str) -> bool:
    """Whether ``path`` is a file path rather than a URL or a model-zoo
    name (``torchvision://``, ``open-mmlab://``, ...)."""
    return not path.startswith(URL_PREFIXES)


def in_data_root(data_root: Optional[str], path: str) -> str:
    """``path`` as a dataset reads it: under a local ``data_root`` unless
    it is absolute."""
    if data_root and not osp.isabs(path) and is_local(data_root):
        return osp.join(data_root, path)
    return path


__all__ = [
    'ConfigCheckError', 'URL_PREFIXES', 'dataset_nodes', 'in_data_root',
    'is_local', 'walk_dicts'
]
