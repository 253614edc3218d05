# SAIP ViT-T + UPerNet on CIHP (LIP's 20 classes), 512x512 crops, 80k iters.
_base_ = ['./_base_/upernet_saip-vit-t.py', '../_base_/datasets/cihp.py']

num_classes = 20
model = dict(
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))
