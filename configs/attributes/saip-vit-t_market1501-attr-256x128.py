# Market-1501 attributes (30 binary) with a SAIP ViT-Tiny.
#   python tools/train.py \
#       configs/attributes/saip-vit-t_market1501-attr-256x128.py
_base_ = [
    './_base_/saip-vit-t_multilabel_adamw-30e.py',
    '../_base_/datasets/market1501_attributes.py'
]
model = dict(head=dict(num_classes=30))
