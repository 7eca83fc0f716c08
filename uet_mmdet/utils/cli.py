# Copyright (c) uet_mmdet authors. All rights reserved.
"""What the tools share: arguments, config loading and checks, and the one
``error:`` line their ``main()`` prints for a :class:`UserInputError`."""
import argparse
import os.path as osp
import sys
from typing import List, NoReturn, Optional, Union

import torch.distributed as torch_dist
from mmengine.config import Config, DictAction
from mmengine.dist import barrier, is_distributed
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from uet_mmdet.benchmark.teacher_path import use_teacher_checkpoint
from uet_mmdet.errors import UserInputError
from uet_mmdet.models.uet import UETConfigError
from .config_checks import check_config
from .dataset_classes import match_num_classes


def add_config_and_launcher_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options``, ``--launcher`` and ``--local-rank``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=2')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def apply_cfg_options(cfg: Config, cfg_options: Optional[dict]) -> Config:
    """Merge ``--cfg-options`` into ``cfg`` in place.

    When they change ``model.teacher_ckpt``, every other reference to the
    config's own teacher checkpoint (e.g. a student ``init_cfg`` starting
    from the teacher) follows (:func:`use_teacher_checkpoint`).
    """
    if not cfg_options:
        return cfg
    old = (cfg.get('model') or {}).get('teacher_ckpt')
    cfg.merge_from_dict(cfg_options)
    new = (cfg.get('model') or {}).get('teacher_ckpt')
    if old and new and new != old:
        use_teacher_checkpoint(cfg, new, old)
    return cfg


def load_tool_config(config: str,
                     cfg_options: Optional[dict] = None,
                     work_dir: Optional[str] = None,
                     launcher: str = 'none',
                     mode: str = 'train',
                     notes: Optional[List[str]] = None) -> Config:
    """Load, override (:func:`apply_cfg_options`) and check a config as the
    tools do.

    The models' ``num_classes`` are set from the dataset's
    ``metainfo.classes`` (:func:`match_num_classes`). Every check runs
    before the Runner creates anything on disk.

    Args:
        config (str): Config file path.
        cfg_options (dict, optional): ``--cfg-options`` overrides.
        work_dir (str, optional): ``--work-dir``; defaults to
            ``./work_dirs/<config name>``.
        launcher (str): ``none``, ``pytorch``, ``slurm`` or ``mpi``.
        mode (str): ``train`` or ``test``: which data to check.
        notes (list[str], optional): Receives a line per setting changed to
            fit the data, for the tool to log.

    Returns:
        Config: The checked config.

    Raises:
        UserInputError: The config file is missing or does not parse.
        ConfigError: A checkpoint, a data file or a registered type is
            missing, a ``uet`` setting cannot work, or the teacher
            checkpoint does not fit the teacher (:func:`check_config`).
    """
    if not osp.isfile(config):
        raise UserInputError(f'config file not found: {config}')
    try:
        cfg = Config.fromfile(config)
    except Exception as error:  # the parser's own message says what is wrong
        raise UserInputError(f'cannot load config {config}: '
                             f'{type(error).__name__}: {error}') from None
    cfg.launcher = launcher
    apply_cfg_options(cfg, cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    changes = match_num_classes(cfg, mode)
    check_config(cfg, mode)
    if notes is not None:
        notes.extend(changes)
    return cfg


def build_runner(cfg: Config) -> Runner:
    """The config's ``runner_type`` (e.g. ``UETRunner``), else mmengine's.

    Args:
        cfg (Config): The checked config.

    Returns:
        Runner: The runner, its model built.

    Raises:
        UETConfigError: A setting only the built model can refute, e.g. a
            host UET cannot wrap, a teacher submodule or recorder that is not
            there; raised by the distiller where it is found, its key read
            from the config's root (``model.distiller.distill_losses.<name>
            .type``, ``model.distiller.uet.module``).
    """
    try:
        if 'runner_type' in cfg:
            return RUNNERS.build(cfg)
        return Runner.from_cfg(cfg)
    except UETConfigError as error:
        raise error.within('model.distiller') from None


def close_distributed() -> None:
    """Tear the process group down before exit.

    Without this, gloo's threads can outlive the interpreter and a rank dies
    with SIGABRT ("terminate called without an active exception") after
    training has finished.
    """
    if is_distributed():
        barrier()
        torch_dist.destroy_process_group()


def exit_with_error(error: Union[str, Exception]) -> NoReturn:
    """Print ``error: <error>`` on stderr and exit with status 2.

    For a tool's ``main()`` only: library code raises
    :class:`~uet_mmdet.errors.UserInputError` and ``main()`` catches it::

        try:
            ...
        except UserInputError as error:
            exit_with_error(error)

    Args:
        error (str | Exception): The message, or the error whose text it is.
    """
    print(f'error: {error}', file=sys.stderr)
    sys.exit(2)


__all__ = [
    'add_config_and_launcher_args', 'apply_cfg_options', 'build_runner',
    'close_distributed', 'load_tool_config', 'exit_with_error'
]
