# Ablation: SAIP ViT-Tiny with only CSM (the other objectives build
# no module and run no forward).
_base_ = ['../saip_vit-t.py']
model = dict(
    csr_head=None,
    css_head=None,
)
