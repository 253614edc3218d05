# Ablation: SAIP ViT-Tiny with only CSS (the other objectives build
# no module and run no forward).
_base_ = ['../saip_vit-t.py']
model = dict(
    csm_head=None,
    csr_head=None,
)
