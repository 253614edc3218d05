# SAIP ViT-Small for one Ampere+ GPU: fused AdamW and bf16 autocast.
_base_ = ['./saip_vit-s.py']
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16',
                     optimizer=dict(fused=True))
