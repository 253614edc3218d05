# Short alias of the paper's SAIP ViT-Tiny setting.
_base_ = ['./saip_vit-tiny-p16_8xb64-accum4-amp-coslr-300e_lup1m-256x128.py']
