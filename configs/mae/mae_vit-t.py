# Short alias of the MAE ViT-Tiny/16 baseline at 256x128.
_base_ = ['./mae_vit-tiny-p16_8xb256-amp-coslr-300e_lup1m-256x128.py']
