# Copyright (c) uet_mmdet authors. All rights reserved.
import os
import os.path as osp
import shutil
import sys
from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
# what `mim train uet_mmdet` and `uet_mmdet::` configs read from the package
MIM_ITEMS = ('configs', 'tools', 'model-index.yml')
# the versions `make lint` and .pre-commit-config.yaml check with (in the
# test extras, since `make test` lints first)
LINT_REQUIREMENTS = ['flake8>=7,<8', 'isort==5.13.2', 'yapf==0.43.0']


def read_table(name: str) -> dict:
    """Run a dependency-free file of uet_mmdet and return its names."""
    namespace: dict = {}
    with open(osp.join(HERE, 'uet_mmdet', name)) as f:
        exec(f.read(), namespace)
    return namespace


def mim_mode() -> str:
    """``symlink`` for editable installs, ``copy`` for built distributions,
    ``''`` for anything else (e.g. ``setup.py --version``)."""
    if {'develop', 'editable_wheel'} & set(sys.argv):
        return 'symlink'
    if {'sdist', 'bdist_wheel', 'build', 'build_py', 'install'} & set(
            sys.argv):
        return 'copy'
    return ''


def build_mim_folder(mode: str) -> None:
    """Fill ``uet_mmdet/.mim`` with links to, or copies of, MIM_ITEMS.

    Generated at install time and ignored by git. An sdist already carries
    copies and no top-level sources; those copies are kept.
    """
    mim_dir = osp.join(HERE, 'uet_mmdet', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for item in MIM_ITEMS:
        source = osp.join(HERE, item)
        target = osp.join(mim_dir, item)
        if not osp.exists(source):
            continue
        if osp.islink(target) or osp.isfile(target):
            os.remove(target)
        elif osp.isdir(target):
            shutil.rmtree(target)
        if mode == 'symlink':
            os.symlink(osp.relpath(source, mim_dir), target)
        elif osp.isdir(source):
            shutil.copytree(
                source, target, ignore=shutil.ignore_patterns('__pycache__'))
        else:
            shutil.copyfile(source, target)


if __name__ == '__main__':
    if mim_mode():
        build_mim_folder(mim_mode())
    supported = read_table('supported_versions.py')
    setup(
        name='uet_mmdet',
        version=read_table('version.py')['__version__'],
        description='Uncertainty-aware knowledge distillation (UET) for '
        'MMDetection 3.x on MMRazor',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        license='Apache-2.0',
        license_files=['LICENSE', 'NOTICE'],
        url='https://arxiv.org/abs/2406.06999',
        keywords='knowledge distillation, object detection, uncertainty, '
        'OpenMMLab',
        classifiers=[
            'License :: OSI Approved :: Apache Software License',
            'Programming Language :: Python :: 3',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        python_requires='>=3.8',
        packages=find_packages(
            exclude=('configs', 'tools', 'tests', 'tests.*', 'data')),
        # the configs, tools and model index copied (or linked) above
        package_data={
            'uet_mmdet':
            ['.mim/model-index.yml', '.mim/configs/**/*', '.mim/tools/**/*']
        },
        include_package_data=True,
        # torch is left to the environment so that CUDA users keep their
        # build; mmcv too (pip would build it without torch): install it
        # first with `mim install "mmcv==2.1.0"` or tools/misc/setup_env.sh.
        install_requires=[
            *(supported['requirement'](package)
              for package in supported['PIP_INSTALLED']),
            'joblib',  # imported by mmrazor 1.0.0 but not declared by it
        ],
        extras_require={
            # openmim pulls openxlab, which pins setuptools~=60.2; torch 2.x
            # needs setuptools>=77, which makes pip pick an older openxlab.
            'tests': [
                'pytest>=7.3', 'openmim>=0.3.9', 'setuptools>=77',
                *LINT_REQUIREMENTS
            ],
            'mim': ['openmim>=0.3.9'],
            'tensorboard': ['tensorboard'],
        },
        zip_safe=False,
    )
