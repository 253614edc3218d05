# SAIP ViT-Small/16 (384/12/6), otherwise the ViT-Tiny recipe.
_base_ = ['./saip_vit-tiny-p16_8xb64-accum4-amp-coslr-300e_lup1m-256x128.py']
model = dict(backbone=dict(arch='small'))
