# Copyright (c) uet_mmdet authors. All rights reserved.
from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register the modules of mmdet, mmrazor and uet_mmdet.

    Args:
        init_default_scope (bool): Set ``mmdet`` as the default scope, as
            :func:`mmdet.utils.register_all_modules` does. Defaults to True.
    """
    from mmdet.utils import register_all_modules as register_mmdet
    from mmrazor.utils import register_all_modules as register_mmrazor

    import uet_mmdet  # noqa: F401
    register_mmdet(init_default_scope=False)
    register_mmrazor(init_default_scope=False)
    if init_default_scope and DefaultScope.get_current_instance() is None:
        DefaultScope.get_instance('mmdet', scope_name='mmdet')


__all__ = ['register_all_modules']
