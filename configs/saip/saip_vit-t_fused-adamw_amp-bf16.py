# SAIP ViT-Tiny for one Ampere+ GPU: bf16 autocast (no fp16 overflow to
# guard against; the DINO and attention losses still run in fp32, see
# saip_mm/models/losses), with the base's fused AdamW.
_base_ = ['./saip_vit-t.py']
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
