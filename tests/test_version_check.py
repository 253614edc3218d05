"""Import-time version checks name every package out of range."""
import pytest

from saip_mm import version_check


def test_installed_stack_passes():
    version_check.check_versions()


def test_out_of_range_and_missing_packages_are_named(monkeypatch):
    fake = {'mmengine': '0.10.7', 'mmcv': '2.2.0'}

    def version(dist):
        if dist in fake:
            return fake[dist]
        raise version_check.metadata.PackageNotFoundError(dist)

    monkeypatch.setattr(version_check.metadata, 'version', version)
    with pytest.raises(ImportError) as err:
        version_check.check_versions()
    message = str(err.value)
    assert 'mmcv==2.2.0 is installed but saip_mm needs >=2.0.0,<2.2.0' \
        in message
    assert 'mmpretrain is not installed' in message
    assert 'mmengine=' not in message
    assert 'tools/setup_env.sh' in message
