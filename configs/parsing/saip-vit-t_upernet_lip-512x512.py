# SAIP ViT-T + UPerNet on LIP (20 classes), 512x512 crops, 80k iterations.
_base_ = ['./_base_/upernet_saip-vit-t.py', '../_base_/datasets/lip.py']

num_classes = 20
model = dict(
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))
