# Copyright (c) uet_mmdet authors. All rights reserved.
"""Let PyPI mmrazor 1.0.0 import under torch 2.x.

``mmrazor.structures.quantization.backend_config`` builds torch FX
quantization backend configs at import time with APIs that changed in torch
2.x, so the whole of ``mmrazor`` fails to import. Only that submodule is
replaced: distillation does not use it, and every name it exports raises
:class:`QuantizationUnavailableError` when used.
"""
import sys
import types
from typing import Any, Iterator, Mapping

STUBBED_MODULE = 'mmrazor.structures.quantization.backend_config'
_EXPORTED_FUNCTIONS = ('get_native_backend_config',
                       'get_native_backend_config_dict',
                       'get_academic_backend_config',
                       'get_academic_backend_config_dict',
                       'get_openvino_backend_config',
                       'get_openvino_backend_config_dict',
                       'get_tensorrt_backend_config',
                       'get_tensorrt_backend_config_dict')


class QuantizationUnavailableError(RuntimeError):
    """Raised when mmrazor's quantization backends are used under uet_mmdet."""


def _unavailable(what: str) -> QuantizationUnavailableError:
    return QuantizationUnavailableError(
        f'{what}: mmrazor 1.0.0 quantization backends do not work with torch '
        f'2.x, so uet_mmdet replaced `{STUBBED_MODULE}` by a stub. '
        'Distillation is unaffected; quantization needs an mmrazor release '
        'that supports your torch.')


class _UnavailableBackendConfigs(Mapping):
    """Stands in for mmrazor's ``BackendConfigs`` dict; every lookup fails."""

    def __getitem__(self, backend: str) -> Any:
        raise _unavailable(f'BackendConfigs[{backend!r}]')

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _make_unavailable_function(name: str):

    def unavailable(*args, **kwargs):
        raise _unavailable(f'{name}()')

    unavailable.__name__ = name
    return unavailable


def install_mmrazor_quantization_stub() -> None:
    """Put the stub in ``sys.modules`` unless mmrazor is already imported."""
    if STUBBED_MODULE in sys.modules:
        return
    stub = types.ModuleType(STUBBED_MODULE)
    stub.__doc__ = 'uet_mmdet stub: see uet_mmdet.compat.mmrazor_quantization'
    stub.BackendConfigs = _UnavailableBackendConfigs()
    for name in _EXPORTED_FUNCTIONS:
        setattr(stub, name, _make_unavailable_function(name))
    stub.__all__ = ['BackendConfigs', *_EXPORTED_FUNCTIONS]
    sys.modules[STUBBED_MODULE] = stub


__all__ = [
    'QuantizationUnavailableError', 'install_mmrazor_quantization_stub',
    'STUBBED_MODULE'
]
