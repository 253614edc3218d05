# PETA attributes (35-attribute evaluation set, identity-disjoint split)
# with a SAIP ViT-Tiny.
#   python tools/train.py configs/attributes/saip-vit-t_peta-256x128.py
_base_ = [
    './_base_/saip-vit-t_multilabel_adamw-30e.py', '../_base_/datasets/peta.py'
]
model = dict(head=dict(num_classes=35))
