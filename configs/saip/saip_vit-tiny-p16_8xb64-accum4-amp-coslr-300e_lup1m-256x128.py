# SAIP ViT-Tiny/16, the paper's setting: effective batch 2048
# (8 GPUs x 64 x 4 accumulation), 300 epochs on LUP1M at 256x128.
_base_ = [
    '../_base_/models/saip_vit-t-p16.py',
    '../_base_/datasets/lup_saip_256x128.py',
    '../_base_/schedules/saip_adamw_coslr-300e.py',
    '../_base_/default_runtime.py',
]
