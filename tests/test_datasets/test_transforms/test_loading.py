"""LoadPersonImage / imread_rgb: every odd file becomes uint8 RGB or fails."""
import cv2
import numpy as np
import pytest
from PIL import Image

from saip_mm.datasets.image_io import BadImageError, imread_rgb
from saip_mm.datasets.transforms import LoadPersonImage


def test_rgb_channel_order(tmp_path, write_rgb):
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[..., 0] = 200  # pure red, lossless PNG
    path = write_rgb(tmp_path / 'red.png', rgb)
    results = LoadPersonImage().transform(dict(img_path=str(path)))
    assert results['img'].dtype == np.uint8
    assert results['img'].shape == (4, 6, 3)
    assert results['img_shape'] == results['ori_shape'] == (4, 6)
    np.testing.assert_array_equal(results['img'], rgb)


def test_grayscale_to_three_channels(tmp_path, write_rgb):
    gray = np.arange(30, dtype=np.uint8).reshape(5, 6) * 8
    img = imread_rgb(str(write_rgb(tmp_path / 'g.png', gray)))
    assert img.shape == (5, 6, 3)
    for channel in range(3):
        np.testing.assert_array_equal(img[..., channel], gray)


def test_rgba_drops_alpha(tmp_path):
    rgba = np.zeros((3, 4, 4), np.uint8)
    rgba[..., :3] = (10, 120, 250)
    rgba[..., 3] = np.arange(12).reshape(3, 4) * 20  # alpha must not leak
    path = tmp_path / 'rgba.png'
    Image.fromarray(rgba, mode='RGBA').save(path)
    img = imread_rgb(str(path))
    assert img.shape == (3, 4, 3)
    np.testing.assert_array_equal(img, rgba[..., :3])


@pytest.mark.parametrize('channels', [1, 3])
def test_16bit_png_is_rounded_to_8bit(tmp_path, write_rgb, channels):
    values = np.array([0, 128, 129, 257, 384, 385, 32767, 65278, 65535],
                      dtype=np.uint16)
    img16 = values.reshape(1, -1)
    if channels == 3:
        img16 = np.repeat(img16[..., None], 3, axis=-1)
    img = imread_rgb(str(write_rgb(tmp_path / 'deep.png', img16)))
    assert img.dtype == np.uint8 and img.shape == (1, values.size, 3)
    expected = np.array([0, 0, 1, 1, 1, 1, 127, 254, 255], np.uint8)
    np.testing.assert_array_equal(img[0, :, 0], expected)


def test_jpeg_with_trailing_bytes_is_fine(tmp_path, write_rgb, random_rgb):
    path = write_rgb(tmp_path / 'x.jpg', random_rgb(16, 8))
    path.write_bytes(path.read_bytes() + b'trailing junk')
    assert imread_rgb(str(path)).shape == (16, 8, 3)


def test_truncated_jpeg(tmp_path, write_rgb, random_rgb):
    path = write_rgb(tmp_path / 'cut.jpg', random_rgb(64, 32))
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(BadImageError, match=r'cut\.jpg.*truncated'):
        LoadPersonImage().transform(dict(img_path=str(path)))


@pytest.mark.parametrize('content,reason', [
    (b'', 'zero-byte file'),
    (b'this is text, not pixels', 'unreadable image'),
])
def test_bad_bytes(tmp_path, content, reason):
    path = tmp_path / 'bad.jpg'
    path.write_bytes(content)
    with pytest.raises(BadImageError) as info:
        imread_rgb(str(path))
    assert info.value.path == str(path)
    assert reason in str(info.value) and 'bad.jpg' in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(BadImageError, match=r'nope\.jpg.*file not found'):
        imread_rgb(str(tmp_path / 'nope.jpg'))


def test_bad_image_error_pickles():
    # DataLoader workers send exceptions to the main process through pickle.
    import pickle
    err = pickle.loads(pickle.dumps(BadImageError('a.jpg', 'zero-byte file')))
    assert (err.path, err.reason) == ('a.jpg', 'zero-byte file')


def test_matches_opencv_on_real_image(shared_data):
    path = shared_data / 'persons' / 'MIT' / sorted(
        p.name for p in (shared_data / 'persons' / 'MIT').iterdir())[0]
    expected = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(imread_rgb(str(path)), expected)
