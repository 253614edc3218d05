# SAIP ViT-Small for one Ampere+ GPU: bf16 autocast, with the base's fused
# AdamW.
_base_ = ['./saip_vit-s.py']
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
