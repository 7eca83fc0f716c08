# Copyright (c) uet_mmdet authors. All rights reserved.
"""Host losses UET can wrap: one adapter per host family, registered in
:data:`HOST_ADAPTERS` keyed by the host loss class (see
:class:`HostAdapter`)."""
from .cwd import CWDAdapter
from .l2 import L2Adapter
from .mgd import MGDAdapter
from .native import NativeAdapter
from .pkd import PKDAdapter
from .registry import (EXAMPLE_CHANNELS, HOST_ADAPTERS, HostAdapter,
                       HostAdapterRegistry, widened)

__all__ = [
    'CWDAdapter', 'EXAMPLE_CHANNELS', 'HOST_ADAPTERS', 'HostAdapter',
    'HostAdapterRegistry', 'L2Adapter', 'MGDAdapter', 'NativeAdapter',
    'PKDAdapter', 'widened'
]
