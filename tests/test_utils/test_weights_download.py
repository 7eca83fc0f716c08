# Copyright (c) uet_mmdet authors. All rights reserved.
"""Downloads from a local HTTP server: checked by sha256 prefix, written
atomically, skipped when present, refused in one line when wrong."""
import functools
import hashlib
import http.server
import os
import os.path as osp
import runpy
import sys
import threading

import pytest

from uet_mmdet.utils import MODEL_ZOO, ZooWeights
from uet_mmdet.utils.weights_download import (WeightsDownloadError,
                                              download_weights)
from ..helpers import CONFIGS, tool

CONTENT = b'weights of a tiny teacher\n' * 1000
PREFIX = hashlib.sha256(CONTENT).hexdigest()[:8]
NAME = f'tiny_teacher-{PREFIX}.pth'


class _Server(http.server.SimpleHTTPRequestHandler):
    requests = []

    def do_GET(self):
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """Serves ``tmp_path/served``: ``(base url, folder, paths asked for)``."""
    served = tmp_path / 'served'
    served.mkdir()
    handler = functools.partial(_Server, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Server.requests = []
    yield f'http://127.0.0.1:{httpd.server_port}', served, _Server.requests
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def tiny_entry(monkeypatch, server):
    base, served, _ = server
    monkeypatch.setitem(MODEL_ZOO, 'tiny_teacher',
                        ZooWeights(f'{base}/zoo/{NAME}', PREFIX))
    (served / 'zoo').mkdir()
    return served / 'zoo' / NAME


def test_download_checks_the_hash_then_skips_a_correct_file(
        tmp_path, server, tiny_entry):
    tiny_entry.write_bytes(CONTENT)
    target = tmp_path / 'checkpoints' / NAME
    assert download_weights('tiny_teacher', str(target)) == 'downloaded'
    assert target.read_bytes() == CONTENT
    assert download_weights('tiny_teacher', str(target)) == 'present'
    assert server[2] == [f'/zoo/{NAME}']
    assert os.listdir(target.parent) == [NAME]


def test_corrupted_download_is_refused_in_one_line_and_not_kept(
        tmp_path, tiny_entry):
    tiny_entry.write_bytes(CONTENT[:-1] + b'!')
    target = tmp_path / 'checkpoints' / NAME
    with pytest.raises(WeightsDownloadError) as error:
        download_weights('tiny_teacher', str(target))
    message = str(error.value)
    assert '\n' not in message
    assert message.endswith(f'not {PREFIX}... (tiny_teacher): corrupted or '
                            'changed upstream, not kept')
    assert os.listdir(target.parent) == []


def test_a_wrong_file_already_there_is_not_overwritten(tmp_path, tiny_entry):
    tiny_entry.write_bytes(CONTENT)
    target = tmp_path / NAME
    target.write_bytes(b'half a file')
    with pytest.raises(
            WeightsDownloadError, match=f'not {PREFIX} .*move it away'):
        download_weights('tiny_teacher', str(target))
    assert target.read_bytes() == b'half a file'


def test_network_errors_fail_in_one_line(tmp_path, server, tiny_entry):
    target = tmp_path / NAME
    with pytest.raises(WeightsDownloadError) as error:
        download_weights('tiny_teacher', str(target))  # not served: 404
    assert str(error.value) == (
        f'cannot download {server[0]}/zoo/{NAME}: HTTP Error 404: File not '
        'found')
    with pytest.raises(
            WeightsDownloadError,
            match=r'^cannot download http://127\.0\.0\.1:9/'):
        download_weights(
            'tiny_teacher',
            str(target),
            mirror='http://127.0.0.1:9',
            timeout=5)
    assert os.listdir(tmp_path) == ['served']


def test_file_urls_work_as_mirrors(tmp_path, tiny_entry):
    tiny_entry.write_bytes(CONTENT)
    target = tmp_path / 'out' / NAME
    mirror = f'file://{tiny_entry.parent}'
    assert download_weights(
        'tiny_teacher', str(target), mirror=mirror) == 'downloaded'
    assert target.read_bytes() == CONTENT


def _run_tool(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, 'argv', ['download_weights.py', *args])
    try:
        runpy.run_path(tool('misc/download_weights.py'), run_name='__main__')
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_tool_downloads_names_and_skips_them_the_second_time(
        tmp_path, monkeypatch, capsys, tiny_entry):
    tiny_entry.write_bytes(CONTENT)
    save_dir = str(tmp_path / 'weights')
    for outcome in ('downloaded', 'present'):
        code, out, err = _run_tool(monkeypatch, capsys, 'tiny_teacher',
                                   '--save-dir', save_dir)
        assert (code, err) == (0, '')
        assert out == f'{outcome}: {osp.join(save_dir, NAME)} (tiny_teacher)\n'


def test_tool_fetches_what_a_config_reads_and_refuses_a_bad_hash(
        tmp_path, monkeypatch, capsys, server):
    base, served, requests = server
    config = osp.join(CONFIGS, 'fgd', 'fgd_fpn_gfl_r101_gfl_r50_1x_coco.py')
    teacher = MODEL_ZOO['gfl_r101_fpn_ms-2x_coco']
    (served / teacher.filename).write_bytes(CONTENT)
    monkeypatch.chdir(tmp_path)
    code, out, err = _run_tool(monkeypatch, capsys, '--config', config,
                               '--mirror', base)
    assert code == 2 and out == ''
    assert err == (f'error: {base}/{teacher.filename} has sha256 {PREFIX}'
                   f'..., not {teacher.sha256_prefix}... (gfl_r101_fpn_ms-2x'
                   '_coco): corrupted or changed upstream, not kept\n')
    assert os.listdir('checkpoints') == []
    # another teacher (which the student's neck and head start from too)
    code, out, err = _run_tool(monkeypatch, capsys, '--config', config,
                               '--mirror', base, '--cfg-options',
                               'model.teacher_ckpt=mine.pth')
    assert code == 2
    assert out.splitlines() == [
        'not in the table, skipped: mine.pth (model.teacher_ckpt)'
    ]
    assert err == (f'error: cannot download {base}/resnet50-0676ba61.pth: '
                   'HTTP Error 404: File not found\n')
    assert requests == [f'/{teacher.filename}', '/resnet50-0676ba61.pth']


def test_tool_lists_the_table_and_refuses_unknown_names(monkeypatch, capsys):
    code, out, _ = _run_tool(monkeypatch, capsys, '--list')
    assert code == 0
    assert 'gfl_r101_fpn_ms-2x_coco  box AP 44.7\n' in out
    code, out, err = _run_tool(monkeypatch, capsys, 'resnet5')
    assert code == 2
    assert err == ('error: unknown weights resnet5; --list shows the known '
                   'ones\n')
