# Copyright (c) uet_mmdet authors. All rights reserved.
"""Host adapters: how UET's ``weight`` mode enters each host loss.

An adapter registers itself for the host loss classes it serves with
``@HOST_ADAPTERS.register(HostLoss)``; :meth:`HostAdapterRegistry.get` finds
the adapter of a built host through its class's MRO, so a subclass of a host
gets that host's adapter unless it registers its own.
"""
from typing import Callable, Dict, Iterator, List, Tuple, Type, Union

from torch import Tensor, nn

from uet_mmdet.uncertainty import at_least_float32
from ..uet import UETConfigError

# channels of the features the adapters' example configs are built for
EXAMPLE_CHANNELS = 16


class HostAdapter:
    """How a per-location weight enters one family of host losses.

    :meth:`weighted` computes the host loss with each location's
    contribution scaled by a weight while keeping the host's optimum; with a
    weight of one everywhere it gives the host's value. Under mixed
    precision it computes in float32 at least (see :func:`widened`).

    Attributes:
        student_arg (str): The host forward argument that takes the student
            tensor.
        teacher_arg (str): The host forward argument that takes the teacher
            tensor.
        examples (dict[str, dict]): Configs that build the hosts of this
            adapter, on features of :data:`EXAMPLE_CHANNELS` channels, by a
            name for each: for docs and tests (every registered host class
            needs one).
    """

    student_arg: str = 'preds_S'
    teacher_arg: str = 'preds_T'
    examples: Dict[str, dict] = {}

    def weighted(self, host: nn.Module, weight: Tensor,
                 **host_kwargs) -> Union[Tensor, Dict[str, Tensor]]:
        """The host loss with a weight per location.

        Args:
            host (nn.Module): The built host loss.
            weight (Tensor): (N, H, W) non-negative weight per location,
                averaging 1 per image.
            **host_kwargs: The host loss's own forward arguments.

        Returns:
            Tensor | dict[str, Tensor]: What the host's forward returns.
        """
        raise NotImplementedError


class HostAdapterRegistry:
    """Host adapters keyed by the host loss class they serve."""

    def __init__(self) -> None:
        self._adapters: Dict[Type[nn.Module], HostAdapter] = {}

    def register(
        self, *host_classes: Type[nn.Module]
    ) -> Callable[[Type[HostAdapter]], Type[HostAdapter]]:
        """A class decorator registering an adapter for ``host_classes``.

        Args:
            *host_classes (type): The host loss classes it serves.

        Returns:
            callable: The decorator; it returns the adapter class unchanged.

        Raises:
            KeyError: A host class or an example name registered already.
        """

        def register_adapter(
                adapter_class: Type[HostAdapter]) -> Type[HostAdapter]:
            taken = [
                cls.__name__ for cls in host_classes if cls in self._adapters
            ]
            taken += sorted(set(adapter_class.examples) & set(self.examples()))
            if taken:
                raise KeyError(f'host adapters registered already: {taken}')
            adapter = adapter_class()
            self._adapters.update((cls, adapter) for cls in host_classes)
            return adapter_class

        return register_adapter

    def get(self, host: Union[nn.Module, Type[nn.Module]]) -> HostAdapter:
        """The adapter of a host loss or host loss class.

        Args:
            host (nn.Module | type): The host loss or its class.

        Returns:
            HostAdapter: The adapter registered for the nearest class in the
            host class's MRO.

        Raises:
            UETConfigError: No class in the MRO has an adapter.
        """
        host_class = host if isinstance(host, type) else type(host)
        for cls in host_class.__mro__:
            if cls in self._adapters:
                return self._adapters[cls]
        raise UETConfigError(
            'type', f'UET cannot wrap host loss {host_class.__name__}',
            f'supported hosts: {self.names()}')

    def names(self) -> List[str]:
        """The names of the registered host classes, sorted."""
        return sorted(cls.__name__ for cls in self._adapters)

    def examples(self) -> Dict[str, dict]:
        """The example configs of every registered adapter, by name."""
        examples = {}
        for adapter in self._adapters.values():
            examples.update(adapter.examples)
        return examples

    def __iter__(self) -> Iterator[Tuple[Type[nn.Module], HostAdapter]]:
        return iter(self._adapters.items())

    def __len__(self) -> int:
        return len(self._adapters)


def widened(*tensors: Tensor) -> Tuple[Tensor, ...]:
    """The tensors in float32 at least (float64 stays): under autocast the
    hosts' own ``mse_loss`` runs in float32, and squares of half precision
    features overflow.

    Args:
        *tensors (Tensor): Floating point tensors.

    Returns:
        tuple[Tensor]: The tensors, each in float32 or float64.
    """
    return tuple(t.to(at_least_float32(t.dtype)) for t in tensors)


HOST_ADAPTERS = HostAdapterRegistry()

__all__ = [
    'EXAMPLE_CHANNELS', 'HOST_ADAPTERS', 'HostAdapter', 'HostAdapterRegistry',
    'widened'
]
