# Ablation: SAIP ViT-Tiny with only CSM+CSR (the other objectives build
# no module and run no forward).
_base_ = ['../saip_vit-t.py']
model = dict(
    css_head=None,
)
