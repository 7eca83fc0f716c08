# Copyright (c) uet_mmdet authors. All rights reserved.
"""tools/misc/check_dataset.py and the data check of tools/train.py."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from ..helpers import (PLANTED_PROBLEMS, run_tool, tool,
                       write_planted_coco_dataset, write_test_config)

STUDENT = 'demo/retinanet_r18_fpn_demo.py'
# builds the runner, trains nothing: the data check is what is under test
NO_EPOCHS = 'train_cfg = dict(max_epochs=0)'


@pytest.fixture(scope='module')
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp('planted')
    data = write_planted_coco_dataset(str(root / 'data'))
    config = write_test_config(
        str(root / 'student.py'), STUDENT, data, extra=NO_EPOCHS)
    return dict(data=data, config=config)


def _problem_lines(stdout: str):
    return [
        line.strip() for line in stdout.splitlines()
        if line.startswith('  ') and ' image=' in line
    ]


def _as_tuple(line: str):
    kind, image, ann = line.split()[:3]
    image, ann = image[len('image='):], ann[len('ann='):]
    return kind, int(image), None if ann == '-' else int(ann)


def test_tool_prints_each_problem_and_fails(planted, tmp_path):
    result = run_tool([tool('misc/check_dataset.py'), planted['config']],
                      cwd=str(tmp_path))
    assert result.returncode == 1, result.stderr[-3000:]
    lines = _problem_lines(result.stdout)
    assert {_as_tuple(line) for line in lines} == PLANTED_PROBLEMS
    assert len(lines) == len(PLANTED_PROBLEMS)
    assert ('box_outside image=5 ann=106 file=outside.png: box [x, y, w, h] '
            '= [50, 10, 20, 10] spans x 50..70, y 10..20; the image is 64x48 '
            '(tolerance 1 px)') in lines
    out = result.stdout.splitlines()
    assert out[0].startswith('train (train_dataloader.dataset): ')
    assert out[1].startswith('  9 images, 13 annotations, 1 empty images')
    assert out[-1] == 'problems: 7'


def test_tool_passes_a_clean_split_and_checks_classes(planted, tmp_path):
    clean = run_tool(
        [tool('misc/check_dataset.py'), planted['config'], '--split', 'val'],
        cwd=str(tmp_path))
    assert clean.returncode == 0, clean.stdout + clean.stderr[-3000:]
    assert clean.stdout.splitlines()[-1] == 'problems: 0'
    assert clean.stdout.startswith('val (val_dataloader.dataset): ')
    # num_classes follows metainfo.classes, as in tools/train.py
    fitted = run_tool([
        tool('misc/check_dataset.py'), planted['config'], '--split', 'val',
        '--cfg-options', 'model.bbox_head.num_classes=5'
    ],
                      cwd=str(tmp_path))
    assert fitted.returncode == 0, fitted.stdout + fitted.stderr[-3000:]
    assert fitted.stdout.startswith(
        'num_classes=8 from train_dataloader.dataset.metainfo.classes: '
        'model.bbox_head (was 5)\n')
    missing = run_tool([tool('misc/check_dataset.py'), 'nope.py'],
                       cwd=str(tmp_path))
    assert missing.returncode == 2
    assert missing.stderr.strip() == 'error: config file not found: nope.py'


def test_train_refuses_before_writing_anything(planted, tmp_path):
    work_dir = tmp_path / 'work'
    result = run_tool(
        [tool('train.py'), planted['config'], '--work-dir',
         str(work_dir)],
        cwd=str(tmp_path))
    assert result.returncode == 2, result.stdout[-3000:]
    lines = result.stderr.strip().splitlines()
    assert lines[0] == ('error: the dataset check found 7 problems; '
                        'training refused:')
    assert len(_problem_lines(result.stderr)) == 5
    assert '  ... and 2 more' in lines
    assert '--skip-bad-samples' in lines[-1]
    assert not work_dir.exists()


@pytest.mark.slow
def test_train_skips_the_bad_images_and_logs_the_counts(planted, tmp_path):
    work_dir = tmp_path / 'work'
    result = run_tool([
        tool('train.py'), planted['config'], '--work-dir',
        str(work_dir), '--skip-bad-samples'
    ],
                      cwd=str(tmp_path))
    output = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    cleaned = str(work_dir / 'data_check' / 'train_dataloader.dataset.json')
    log = open(glob.glob(str(work_dir / '*' / '*.log'))[0]).read()
    assert ('dataset check, --skip-bad-samples: train_dataloader.dataset: '
            'dropped 6 of 9 images and 8 of 13 annotations for 7 problems '
            '(missing_file 1, unreadable_image 1, size_mismatch 1, '
            'box_outside 1, box_too_small 1, unknown_category 1, '
            'unknown_image 1); image ids [3, 4, 5, 6, 7, 9]; now reads '
            f'{cleaned}') in log
    # the config the run dumps reads the cleaned file
    dumped = Config.fromfile(str(work_dir / osp.basename(planted['config'])))
    assert dumped.train_dataloader.dataset.ann_file == cleaned
    problems = (work_dir / 'data_check' /
                'train_dataloader.dataset.problems.txt').read_text()
    assert {_as_tuple(line)
            for line in problems.splitlines()} == PLANTED_PROBLEMS


@pytest.mark.slow
def test_train_without_the_check(planted, tmp_path):
    work_dir = tmp_path / 'work'
    result = run_tool([
        tool('train.py'), planted['config'], '--work-dir',
        str(work_dir), '--no-data-check'
    ],
                      cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    log = open(glob.glob(str(work_dir / '*' / '*.log'))[0]).read()
    assert 'dataset check' not in log
    assert not (work_dir / 'data_check').exists()
