"""Import-time checks of the OpenMMLab versions saip_mm is tested with."""
from importlib import metadata
from typing import Optional, Tuple

from packaging.version import Version

# (package, distribution names, minimum inclusive, maximum exclusive)
REQUIRED: Tuple[Tuple[str, Tuple[str, ...], str, Optional[str]], ...] = (
    ('mmengine', ('mmengine', 'mmengine-lite'), '0.10.0', '1.0.0'),
    ('mmcv', ('mmcv', 'mmcv-lite'), '2.0.0', '2.2.0'),
    ('mmpretrain', ('mmpretrain', ), '1.2.0', '2.0.0'),
)
HINT = 'Run `bash tools/setup_env.sh` to install the tested stack.'


def installed_version(dists: Tuple[str, ...]) -> Optional[str]:
    """Return the version of the first installed distribution, or None."""
    for dist in dists:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def check_versions() -> None:
    """Raise ImportError naming every package outside its tested range."""
    problems = []
    for name, dists, low, high in REQUIRED:
        found = installed_version(dists)
        if found is None:
            problems.append(f'{name} is not installed (need >={low},<{high})')
        elif not Version(low) <= Version(found) < Version(high):
            problems.append(
                f'{name}=={found} is installed but saip_mm needs '
                f'>={low},<{high}')
    if problems:
        raise ImportError('saip_mm: ' + '; '.join(problems) + '. ' + HINT)
