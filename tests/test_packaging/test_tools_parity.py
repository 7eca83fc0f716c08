# Copyright (c) uet_mmdet authors. All rights reserved.
"""mmdet parity of the tools: publish_model's sha suffix, --auto-scale-lr and
--tta guards, ``mim train uet_mmdet`` from a wheel, ``test.py --show-dir``."""
import glob
import hashlib
import os
import os.path as osp
import shutil
import subprocess
import sys
import zipfile

import pytest
import torch

from ..helpers import REPO_ROOT, run_tool, tool, write_test_config

DEMO = 'demo/retinanet_r18_fpn_demo.py'


def _error_lines(result):
    return [
        line for line in result.stderr.splitlines()
        if line.startswith('error:')
    ]


def test_publish_model_adds_sha256_suffix(tmp_path):
    source = tmp_path / 'epoch_1.pth'
    torch.save(
        dict(
            state_dict={'w': torch.arange(4.)},
            meta=dict(epoch=1),
            optimizer={}), source)
    result = run_tool([
        tool('model_converters/publish_model.py'),
        str(source),
        str(tmp_path / 'student.pth')
    ],
                      cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    [published] = glob.glob(str(tmp_path / 'student-*.pth'))
    with open(published, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert osp.basename(published) == f'student-{digest[:8]}.pth'
    assert not (tmp_path / 'student.pth').exists()
    assert published in result.stdout
    weights = torch.load(published, weights_only=True)
    assert set(weights) == {'meta', 'state_dict'}


def test_auto_scale_lr_needs_base_batch_size(tmp_path, demo_data):
    config = write_test_config(
        str(tmp_path / 'cfg.py'),
        DEMO,
        demo_data,
        extra='auto_scale_lr = dict(_delete_=True, enable=False)')
    result = run_tool([
        tool('train.py'), config, '--auto-scale-lr', '--work-dir',
        str(tmp_path / 'work')
    ],
                      cwd=str(tmp_path))
    assert result.returncode == 2
    assert _error_lines(result) == [
        'error: --auto-scale-lr needs auto_scale_lr = dict(base_batch_size=N)'
        ' in the config: the total batch size its learning rate was set for'
    ]
    assert not (tmp_path / 'work').exists()


def test_tta_needs_tta_model(tmp_path, demo_data):
    config = write_test_config(str(tmp_path / 'cfg.py'), DEMO, demo_data)
    checkpoint = tmp_path / 'model.pth'
    torch.save(dict(state_dict={}), checkpoint)
    result = run_tool([tool('test.py'), config,
                       str(checkpoint), '--tta'],
                      cwd=str(tmp_path))
    assert result.returncode == 2
    [line] = _error_lines(result)
    assert line.startswith('error: --tta needs tta_model and tta_pipeline')


@pytest.fixture(scope='module')
def wheel_site(tmp_path_factory):
    """uet_mmdet built as a wheel (from a copy of the sources) and unpacked
    as pip would install it; put it on PYTHONPATH to use it."""
    root = tmp_path_factory.mktemp('wheel')
    source = root / 'src'
    os.makedirs(source)
    for item in ('setup.py', 'MANIFEST.in', 'README.md', 'LICENSE', 'NOTICE',
                 'model-index.yml'):
        shutil.copy(osp.join(REPO_ROOT, item), source)
    ignore = shutil.ignore_patterns('.mim', '__pycache__')
    for item in ('uet_mmdet', 'configs', 'tools'):
        shutil.copytree(
            osp.join(REPO_ROOT, item), source / item, ignore=ignore)
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
        '--no-build-isolation', '-w',
        str(root / 'dist'), '.'
    ],
                   cwd=source,
                   check=True,
                   capture_output=True)
    [wheel] = glob.glob(str(root / 'dist' / '*.whl'))
    site = root / 'site'
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return str(site)


def test_wheel_ships_configs_tools_and_model_index(wheel_site):
    mim = osp.join(wheel_site, 'uet_mmdet', '.mim')
    assert osp.isfile(osp.join(mim, 'configs', DEMO))
    assert osp.isfile(osp.join(mim, 'tools', 'train.py'))
    assert osp.isfile(osp.join(mim, 'tools', 'dist_train.sh'))
    assert osp.isfile(osp.join(mim, 'model-index.yml'))
    assert not osp.islink(osp.join(mim, 'configs'))  # copies, not links
    assert not osp.exists(osp.join(wheel_site, 'tests'))


def _tiny_options(data_root):
    options = [
        'train_cfg.max_epochs=1', 'param_scheduler=[]',
        'default_hooks.logger.interval=1'
    ]
    for loader in ('train', 'val', 'test'):
        options += [
            f'{loader}_dataloader.dataset.data_root={data_root}/',
            f'{loader}_dataloader.batch_size=2',
            f'{loader}_dataloader.num_workers=0',
            f'{loader}_dataloader.persistent_workers=False'
        ]
    for evaluator in ('val', 'test'):
        options.append(f'{evaluator}_evaluator.ann_file='
                       f'{data_root}/annotations/instances_val.json')
    return options


@pytest.fixture(scope='module')
def mim_trained(module_tmp_path, wheel_site, demo_data):
    """``mim train uet_mmdet <demo config name>`` for one epoch on tiny data,
    run outside the repository with the wheel on PYTHONPATH."""
    work = module_tmp_path
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    env = dict(
        os.environ,
        PYTHONPATH=wheel_site,
        OMP_NUM_THREADS='2',
        PYTHONHASHSEED='0')
    result = subprocess.run([
        mim, 'train', 'uet_mmdet',
        osp.basename(DEMO), '--work-dir',
        str(work / 'run'), '--cfg-options', *_tiny_options(demo_data)
    ],
                            cwd=str(work),
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=600)
    return work, result


@pytest.mark.slow
def test_mim_train_uet_mmdet_demo_config(mim_trained, wheel_site):
    work, result = mim_trained
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:])
    shipped = osp.join(wheel_site, 'uet_mmdet', '.mim')
    assert f'{shipped}/configs/{DEMO}' in result.stdout
    assert osp.isfile(work / 'run' / 'epoch_1.pth')


@pytest.mark.slow
def test_show_dir_draws_predictions(mim_trained, demo_data, tmp_path):
    work, result = mim_trained
    assert result.returncode == 0
    config = write_test_config(str(tmp_path / 'cfg.py'), DEMO, demo_data)
    out = tmp_path / 'test'
    result = run_tool([
        tool('test.py'), config,
        str(work / 'run' / 'epoch_1.pth'), '--work-dir',
        str(out), '--show-dir', 'vis'
    ],
                      cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    drawn = glob.glob(str(out / '*' / 'vis' / '*.png')) + glob.glob(
        str(out / '*' / 'vis' / '*.jpg'))
    assert len(drawn) == 6  # one per val image of demo_data
