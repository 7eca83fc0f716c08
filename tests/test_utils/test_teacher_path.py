# Copyright (c) uet_mmdet authors. All rights reserved.
"""``model.teacher_ckpt`` from the command line moves every reference to
the config's own teacher checkpoint, the student's init_cfg included."""
import os.path as osp

from mmengine.config import Config

import uet_mmdet.utils.cli as cli
from uet_mmdet.utils import use_teacher_checkpoint
from ..helpers import CONFIGS

FGD_FCOS = osp.join(CONFIGS, 'fgd', 'fgd_fpn_fcos_r101_fcos_r50_2x_coco.py')
NEW = '/teachers/fcos_r101_mine.pth'
# a user's config that starts the student's neck and head from the teacher
# by hand, with init_cfgs that name the teacher checkpoint again
BY_HAND = """_base_ = {base!r}
model = dict(
    student_from_teacher=[],
    architecture=dict(
        neck=dict(init_cfg=dict(
            type='Pretrained', prefix='neck.',
            checkpoint=_base_.teacher_ckpt)),
        bbox_head=dict(init_cfg=dict(
            type='Pretrained', prefix='bbox_head.',
            checkpoint=_base_.teacher_ckpt))))
"""


def _by_hand(tmp_path) -> str:
    path = tmp_path / 'by_hand.py'
    path.write_text(BY_HAND.format(base=FGD_FCOS))
    return str(path)


def _strings(node, path=''):
    """``{dotted.path: string}`` of every string in a config dict."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return {path: node} if isinstance(node, str) else {}
    found = {}
    for key, value in items:
        found.update(_strings(value, f'{path}.{key}' if path else str(key)))
    return found


def test_cfg_options_teacher_moves_every_reference_through_the_tools(
        monkeypatch, tmp_path):
    # the file checks would stop here (no COCO, no weights): skip them
    monkeypatch.setattr(cli, 'check_config', lambda cfg, mode: None)
    config = _by_hand(tmp_path)
    before = _strings(Config.fromfile(config).to_dict())
    old = before['model.teacher_ckpt']
    moved = {path for path, value in before.items() if value == old}
    assert {
        'model.architecture.neck.init_cfg.checkpoint',
        'model.architecture.bbox_head.init_cfg.checkpoint'
    } <= moved

    cfg = cli.load_tool_config(
        config, {'model.teacher_ckpt': NEW}, work_dir='/w')
    after = _strings(cfg.to_dict())
    assert old not in after.values()
    assert {path for path, value in after.items() if value == NEW} == moved
    # nothing else changed but what the tool sets itself
    assert {
        path: value
        for path, value in after.items()
        if path not in moved | {'launcher', 'work_dir'}
    } == {
        path: value
        for path, value in before.items() if path not in moved
    }


def test_an_init_cfg_given_on_the_command_line_is_kept(monkeypatch, tmp_path):
    monkeypatch.setattr(cli, 'check_config', lambda cfg, mode: None)
    cfg = cli.load_tool_config(
        _by_hand(tmp_path), {
            'model.teacher_ckpt': NEW,
            'model.architecture.neck.init_cfg.checkpoint': 'neck.pth'
        },
        work_dir='/w')
    student = cfg.model.architecture
    assert student.neck.init_cfg.checkpoint == 'neck.pth'
    assert student.bbox_head.init_cfg.checkpoint == NEW


def test_use_teacher_checkpoint_without_a_previous_teacher():
    cfg = Config(
        dict(
            model=dict(type='SingleTeacherDistill'),
            paths=['a.pth', ('a.pth', )]))
    use_teacher_checkpoint(cfg, 'b.pth')
    assert cfg.model.teacher_ckpt == 'b.pth'
    assert cfg.paths == ['a.pth', ('a.pth', )]
    use_teacher_checkpoint(cfg, 'c.pth')
    assert cfg.paths == ['a.pth', ('a.pth', )]
    use_teacher_checkpoint(cfg, 'a.pth', old='a.pth')
    cfg.model.teacher_ckpt = 'a.pth'
    use_teacher_checkpoint(cfg, 'd.pth')
    assert cfg.paths == ['d.pth', ('d.pth', )]
