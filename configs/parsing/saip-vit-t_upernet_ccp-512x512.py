# SAIP ViT-T + UPerNet on CCP (59 classes), 512x512 crops, 20k iterations.
# Run tools/dataset_converters/ccp_to_mmseg.py data/CCP first.
_base_ = ['./_base_/upernet_saip-vit-t.py', '../_base_/datasets/ccp.py']

num_classes = 59
model = dict(
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))

# CCP has about 800 training photos: 20k iterations are ~400 epochs already
train_cfg = dict(max_iters=20000, val_interval=2000)
default_hooks = dict(checkpoint=dict(interval=2000))
