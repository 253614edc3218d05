# PA-100K attributes (26, official split) with a SAIP ViT-Tiny.
#   python tools/train.py configs/attributes/saip-vit-t_pa100k-256x128.py
_base_ = [
    './_base_/saip-vit-t_multilabel_adamw-30e.py',
    '../_base_/datasets/pa100k.py'
]
model = dict(head=dict(num_classes=26))
