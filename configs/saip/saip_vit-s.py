# Short alias of SAIP ViT-Small.
_base_ = ['./saip_vit-small-p16_8xb64-accum4-amp-coslr-300e_lup1m-256x128.py']
