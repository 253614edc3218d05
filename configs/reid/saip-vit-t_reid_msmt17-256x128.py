# Person ReID on MSMT17 (V1 or V2) with a SAIP ViT-Tiny. Lists:
#   python tools/dataset_converters/market1501_to_reid.py data/msmt17 \
#       --format msmt17
_base_ = ['./saip-vit-t_reid_market1501-256x128.py']

data_root = 'data/msmt17/'
model = dict(head=dict(num_classes=1041))  # list_train + list_val ids

train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

# ~120 epochs of MSMT17's 32,621 training crops in 16 x 4 batches
max_iters = 60000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=2500),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=2500,
         end=max_iters, eta_min=1e-6),
]
train_cfg = dict(max_iters=max_iters, val_interval=10000)
default_hooks = dict(checkpoint=dict(interval=10000))
