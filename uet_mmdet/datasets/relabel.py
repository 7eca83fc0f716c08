# Copyright (c) uet_mmdet authors. All rights reserved.
"""A known mistake by construction: one class given another's label."""
import copy
from typing import Any, Dict, Tuple

from uet_mmdet.errors import UserInputError


def _category_id(coco: Dict[str, Any], name: str) -> int:
    ids = {cat['name']: cat['id'] for cat in coco['categories']}
    if name not in ids:
        raise UserInputError(
            f'no category {name!r}; categories: {sorted(ids)}')
    return ids[name]


def relabel_coco(coco: Dict[str, Any], from_name: str,
                 to_name: str) -> Tuple[Dict[str, Any], int]:
    """A copy of COCO annotations with every box of ``from_name`` labelled
    ``to_name``; returns it and the number of boxes changed."""
    source, target = _category_id(coco, from_name), _category_id(coco, to_name)
    if source == target:
        raise UserInputError(f'relabelling {from_name!r} as itself')
    relabelled = copy.deepcopy(coco)
    changed = 0
    for annotation in relabelled['annotations']:
        if annotation['category_id'] == source:
            annotation['category_id'] = target
            changed += 1
    return relabelled, changed


__all__ = ['relabel_coco']
