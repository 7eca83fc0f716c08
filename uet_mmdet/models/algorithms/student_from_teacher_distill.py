# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Optional, Sequence, Tuple

from mmengine.config import ConfigDict
from mmengine.model import BaseModule
from mmrazor.models import SingleTeacherDistill
from mmrazor.registry import MODELS
from torch import nn

from uet_mmdet.errors import ConfigError

KEY = 'model.student_from_teacher'


@MODELS.register_module()
class StudentFromTeacherDistill(SingleTeacherDistill):
    """MMRazor's ``SingleTeacherDistill`` whose student starts some of its
    submodules from the teacher's weights, e.g. FGD's recipe of a student
    neck and head initialised from the teacher's::

        model = dict(
            type='StudentFromTeacherDistill',
            student_from_teacher=['neck', 'bbox_head'],
            architecture=STUDENT, teacher=TEACHER, teacher_ckpt=CKPT,
            distiller=DISTILLER)

    Each named student submodule gets a ``Pretrained`` ``init_cfg`` that
    reads the same-named submodule of ``teacher_ckpt``, as if the config had
    set it by hand, so the checkpoint is named once: another teacher given
    by ``--cfg-options model.teacher_ckpt=FILE`` initialises the student
    too.

    Note:
        - The weights are loaded by ``init_weights``, which the runner calls
          before it resumes or loads ``load_from``; those win.
        - The named submodules must have the teacher's shapes (a narrower
          backbone changes the neck's lateral convolutions, for instance)
          and no ``Pretrained`` ``init_cfg`` of their own; otherwise the
          build raises a :class:`~uet_mmdet.errors.ConfigError`.

    Args:
        student_from_teacher (Sequence[str], optional): Dotted names of
            student submodules (``'neck'``, ``'bbox_head'``) to start from
            the teacher's weights of the same name: mmengine
            ``BaseModule`` objects that ``init_weights`` reaches. Empty or
            None: none (MMRazor's ``SingleTeacherDistill``).
        teacher_ckpt (str, optional): The teacher checkpoint; required when
            a submodule is named.
        **kwargs: ``SingleTeacherDistill``'s other arguments.
    """

    def __init__(self,
                 student_from_teacher: Optional[Sequence[str]] = (),
                 teacher_ckpt: Optional[str] = None,
                 **kwargs) -> None:
        names = _names(student_from_teacher)
        if names and not teacher_ckpt:
            raise ConfigError(
                KEY, 'starting the student from the teacher needs '
                'model.teacher_ckpt', 'set it, or leave this list empty')
        super().__init__(teacher_ckpt=teacher_ckpt, **kwargs)
        self.student_from_teacher = names
        for name in names:
            student = _submodule(self.student, name, 'student')
            _check_reached_by_init_weights(self.student, name)
            _check_same_shapes(name, student,
                               _submodule(self.teacher, name, 'teacher'))
            _check_no_pretrained(name, student)
            student.init_cfg = ConfigDict(
                type='Pretrained', prefix=f'{name}.', checkpoint=teacher_ckpt)


def _names(student_from_teacher: Optional[Sequence[str]]) -> Tuple[str, ...]:
    """The list as a tuple of distinct, non-empty names."""
    if student_from_teacher is None:
        return ()
    if isinstance(student_from_teacher, str):
        student_from_teacher = [student_from_teacher]
    names = tuple(student_from_teacher)
    if not all(isinstance(name, str) and name for name in names):
        raise ConfigError(KEY, f'needs submodule names, got {names!r}',
                          "e.g. ['neck', 'bbox_head']")
    if len(set(names)) != len(names):
        raise ConfigError(KEY, f'names a submodule twice: {list(names)}')
    return names


def _submodule(model: nn.Module, name: str, which: str) -> nn.Module:
    """``model``'s submodule at dotted ``name``."""
    try:
        return model.get_submodule(name)
    except AttributeError:
        children = ', '.join(child for child, _ in model.named_children())
        raise ConfigError(KEY, f'the {which} has no submodule {name!r}',
                          f'name one of: {children}') from None


def _check_reached_by_init_weights(student: nn.Module, name: str) -> None:
    """Raise unless the submodule at ``name`` and every module between it
    and ``student`` are mmengine ``BaseModule`` objects, so that
    ``student.init_weights()`` applies its ``init_cfg``."""
    parts = name.split('.')
    path = [
        student.get_submodule('.'.join(parts[:i + 1]))
        for i in range(len(parts))
    ]
    if not all(isinstance(module, BaseModule) for module in path):
        raise ConfigError(
            KEY, f'the student\'s {name} is not reached by init_weights '
            '(it or a module above it is not an mmengine BaseModule)',
            'name the BaseModule that holds it, e.g. the whole neck or head')


def _check_no_pretrained(name: str, student: nn.Module) -> None:
    """Raise if ``student`` already reads a checkpoint of its own."""
    init_cfgs = student.init_cfg
    if not isinstance(init_cfgs, list):
        init_cfgs = [init_cfgs]
    for init_cfg in init_cfgs:
        if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
            raise ConfigError(
                KEY, f'the student\'s {name} already starts from '
                f'{init_cfg.get("checkpoint")} (a Pretrained init_cfg)',
                f'leave {name!r} out of the list or drop that init_cfg')


def _check_same_shapes(name: str, student: nn.Module,
                       teacher: nn.Module) -> None:
    """Raise unless every tensor of ``student`` has the shape of the
    teacher's tensor of the same name."""
    theirs = teacher.state_dict()
    for key, tensor in student.state_dict().items():
        if key not in theirs or theirs[key].shape != tensor.shape:
            found = (tuple(theirs[key].shape) if key in theirs else 'missing')
            raise ConfigError(
                KEY, f'student {name}.{key} has shape {tuple(tensor.shape)}, '
                f'the teacher\'s {found}', f'leave {name!r} out of the list')
