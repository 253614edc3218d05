"""Install saip_mm.

The OpenMMLab stack (torch, mmcv with compiled ops, mmpretrain, mmpose,
mmdet, mmsegmentation) is not listed in ``install_requires``: a normal
resolve pulls in chumpy and numpy 2, which break mmpose.
``tools/setup_env.sh`` installs it.
"""
import re
from pathlib import Path

from setuptools import find_packages, setup


def read_version() -> str:
    version_file = Path(__file__).with_name('saip_mm') / 'version.py'
    text = version_file.read_text()
    return re.search(r"__version__ = '([^']+)'", text).group(1)


setup(
    name='saip_mm',
    version=read_version(),
    description='SAIP (Scale-Aware Image Pretraining) for OpenMMLab',
    long_description=Path(__file__).with_name('README.md').read_text(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['saip_mm', 'saip_mm.*']),
    python_requires='>=3.9',
    install_requires=['numpy', 'opencv-python', 'pillow', 'tqdm'],
    extras_require={
        'mm': ['mmengine>=0.10.0,<1.0', 'mmcv>=2.0.0,<2.2.0',
               'mmpretrain>=1.2.0,<2.0'],
        'tests': ['pytest', 'ruff', 'onnx', 'onnxruntime'],
    },
    license='Apache-2.0',
)
