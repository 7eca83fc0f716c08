# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Dict

from mmrazor.models import ConfigurableDistiller
from mmrazor.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class UETDistiller(ConfigurableDistiller):
    """A ``ConfigurableDistiller`` whose losses may return several terms.

    A loss that returns a dict (e.g. FGD's ``fg``, ``bg``, ``at``, ``global``)
    is logged term by term as ``<loss name>_<term>``; the total is unchanged,
    since every logged key containing ``loss`` is summed into the total.
    Everything else (recorders, connectors, ``loss_forward_mappings``) is
    MMRazor's.
    """

    def compute_distill_losses(self) -> Dict[str, Tensor]:
        losses = {}
        for name, value in super().compute_distill_losses().items():
            if isinstance(value, dict):
                losses.update(
                    (f'{name}_{term}', term_value)
                    for term, term_value in value.items())
            else:
                losses[name] = value
        return losses


__all__ = ['UETDistiller']
