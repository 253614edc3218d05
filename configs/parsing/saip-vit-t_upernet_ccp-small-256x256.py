# SAIP ViT-T + UPerNet on CCP (59 classes) at 256x256, sized for a CPU
# fine-tuning run of a few minutes on the real copy in
# ../shared/data/parsing_ccp (700 photos), to compare backbone starts
# (random, MAE, SAIP CPU proxies pretrained at 128x64). mIoU over the 59
# classes on the converter's val split (140 photos).
# The labels are .mat files; convert them once (labels/, splits/ and a
# photos link are written into --out-dir, which is this config's data_root):
#   python tools/dataset_converters/ccp_to_mmseg.py \
#       ../shared/data/parsing_ccp --out-dir work_dirs/data/ccp
#   python tools/train.py \
#       configs/parsing/saip-vit-t_upernet_ccp-small-256x256.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=PATH
# Chance level (every pixel the majority class, null: 76.8 % of the val
# pixels, 47 classes present in val): mIoU 1.63, aAcc 76.8.
_base_ = ['./saip-vit-t_upernet_ccp-512x512.py']

data_root = 'work_dirs/data/ccp'
crop_size = (256, 256)

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(img_size=crop_size))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=crop_size,
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    # loaded after Resize: mIoU is computed on the original label map
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

# 24 iterations of batch 4 (96 of the 560 train photos; ~11 s an iteration
# on 2 shared CPU cores); the 140 val photos are scored (~2 minutes) at the
# end of training, the best mIoU checkpoint kept
max_iters = 24
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=3),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=3, end=max_iters,
         by_epoch=False)
]
optim_wrapper = dict(optimizer=dict(lr=2e-4))
train_cfg = dict(max_iters=max_iters, val_interval=24)
default_hooks = dict(
    logger=dict(interval=4),
    checkpoint=dict(interval=24, max_keep_ckpts=1, save_best='mIoU',
                    rule='greater'))
