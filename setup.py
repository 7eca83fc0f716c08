# Copyright (c) uet_mmdet authors. All rights reserved.
import os.path as osp

from setuptools import find_packages, setup


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join('uet_mmdet', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='uet_mmdet',
    version=read_version(),
    description='Uncertainty-aware knowledge distillation (UET) for '
    'MMDetection 3.x on MMRazor',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.8',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'data')),
    # torch is left to the environment so that CUDA users keep their build.
    install_requires=[
        'mmcv==2.1.0',
        'mmengine==0.10.7',
        'mmdet==3.3.0',
        'mmrazor==1.0.0',
        'joblib',  # imported by mmrazor 1.0.0 but not declared by it
    ],
    extras_require={
        'tests': ['pytest>=7'],
    },
    zip_safe=False,
)
