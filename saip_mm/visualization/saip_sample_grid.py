"""A PNG grid of one SAIP sample: views, composite, CSR and CSS outputs."""
from typing import List

import matplotlib

matplotlib.use('Agg')  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import Tensor  # noqa: E402

from saip_mm.models.algorithms import SAIPPrediction  # noqa: E402
from saip_mm.models.utils import split_views  # noqa: E402


def to_image(x: Tensor, mean: Tensor, std: Tensor) -> np.ndarray:
    """Normalised (3, H, W) tensor -> uint8 RGB (H, W, 3)."""
    img = x.detach().float().cpu() * std.view(3, 1, 1) + mean.view(3, 1, 1)
    return img.clamp(0, 255).permute(1, 2, 0).byte().numpy()


def overlay(img: np.ndarray, mask: np.ndarray,
            color=(255, 0, 0)) -> np.ndarray:
    """Blend a binary or soft mask onto an image in ``color``."""
    m = mask.astype(np.float32)[..., None]
    return (img * (1 - 0.5 * m) + np.array(color) * 0.5 * m).astype(np.uint8)


def csr_panels(model, pred: SAIPPrediction) -> List[Tensor]:
    """Masked input, reconstruction (de-normalised per patch) and target."""
    head, view = model.csr_head, pred.csr_view
    grid = model.backbone.patch_grid(view.shape[-2:])
    target = head.patchify(view)
    patches = pred.csr_pred
    if head.norm_pix:  # undo the per-patch normalisation of the target
        mean = target.mean(dim=-1, keepdim=True)
        std = (target.var(dim=-1, keepdim=True) + 1e-6)**.5
        patches = patches * std + mean
    scored = pred.csr_mask['mask'].unsqueeze(-1)
    recon = target * (1 - scored) + patches * scored
    masked = target * (1 - scored)
    return [head.unpatchify(t, grid) for t in (masked, recon, target)]


@torch.no_grad()
def render_saip_sample(model, data: dict, path: str) -> None:
    """Write a PNG grid for the first sample of a preprocessed batch.

    Rows: the global and local views and r; the composite with the ``roi``
    (red) and ``inst`` (blue) paste masks; the CSR masked input,
    reconstruction and target; the CSS predicted maps of both queries over
    the composite (panels of disabled objectives, or of a pipeline without
    the composite, are left out).

    Args:
        model: A ``saip_mm.SAIP`` model (eval mode).
        data (dict): Output of ``model.data_preprocessor``.
        path (str): PNG file to write.
    """
    inputs, samples = data['inputs'], data['data_samples']
    pre = model.data_preprocessor
    mean, std = pre.mean.flatten().cpu(), pre.std.flatten().cpu()
    views = split_views(inputs, model.num_local_views, model.ref_scale,
                        samples)
    named = [('g1', views.g1), ('g2', views.g2)] + [
        (f'l{i + 1}', v) for i, v in enumerate(views.local_views)
    ] + [('r', views.r)]
    panels = [(name, to_image(v[0], mean, std)) for name, v in named]
    if views.composite is not None:
        comp = to_image(views.composite[0], mean, std)
        roi, inst = (samples[0].get(k).cpu().numpy()
                     for k in ('roi_mask', 'inst_mask'))
        panels.append(('composite', comp))
        panels.append(('paste masks', overlay(overlay(comp, roi), inst,
                                              (0, 0, 255))))
    pred = model.predict(inputs, samples)
    if pred.csr_pred is not None:
        for name, img in zip(('CSR masked', 'CSR recon', 'CSR target'),
                             csr_panels(model, pred)):
            panels.append((name, to_image(img[0], mean, std)))
    for name, prob in (pred.css_maps or {}).items():
        up = F.interpolate(prob[:1, None], size=comp.shape[:2],
                           mode='nearest')[0, 0].cpu().numpy()
        panels.append((f'CSS {name}', overlay(comp, up, (0, 255, 0))))
    cols = 6
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 3 * rows))
    for ax in np.ravel(axes):
        ax.axis('off')
    for ax, (title, img) in zip(np.ravel(axes), panels):
        ax.imshow(img)
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
