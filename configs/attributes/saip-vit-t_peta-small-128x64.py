# PETA attributes (35-attribute evaluation set, identity-disjoint split) at
# 128x64, sized for a CPU fine-tuning run of a few minutes on the real copy
# in ../shared/data (11,484 images: 9,182 train+val / 2,302 test), to compare
# backbone starts (random, MAE, SAIP CPU proxies pretrained at 128x64).
#   python tools/train.py configs/attributes/saip-vit-t_peta-small-128x64.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=PATH
# Chance level: attribute/mA 50.
_base_ = ['./saip-vit-t_peta-256x128.py']

data_root = '../shared/data'
ann_file = 'attributes_peta/peta_attributes.json'

# Positive-ratio weighted BCE (the weighted sigmoid loss of DeepMAR, Li et
# al. 2015, and of the "strong baseline" of Jia et al. 2020): plain BCE on
# these imbalanced attributes leaves a weak model's scores for every rare
# attribute below the 0.5 threshold, which is mA 50 whatever it has learned.
# pos_weight = (1 - p) / p per attribute, p the attribute's positive ratio
# in the 9,182 train+val images (mmpretrain's CrossEntropyLoss passes it to
# binary_cross_entropy_with_logits), so positives and negatives of each
# attribute weigh the same and 0.5 is the balanced threshold mA scores at.
# For another split or attribute set: pos_weight[k] = (N - n_k) / n_k, with
# n_k of the N train+val images labelled with attribute k (the gt_label of
# the train dataloader's saip_mm.PETADataset); 2 decimals here.
pos_weight = [
    5.09, 6.76, 0.51, 71.87, 3.62, 0.21, 5.13, 10.71, 51.17, 87.29, 11.84,
    152.03, 28.81, 0.73, 71.3, 0.2, 4.96, 2.38, 78.84, 22.01, 0.91, 1.25,
    102.17, 1.95, 6.38, 7.58, 3.78, 2.2, 2.45, 8.11, 1.94, 1.29, 6.77,
    11.65, 1.01
]
model = dict(
    backbone=dict(img_size=(128, 64)),
    head=dict(
        loss=dict(
            type='CrossEntropyLoss', use_sigmoid=True,
            pos_weight=pos_weight)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 128)),  # (w, h)
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(128, 64), padding=5),  # (h, w)
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 128)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root, ann_file=ann_file, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root, ann_file=ann_file, pipeline=test_pipeline))
test_dataloader = val_dataloader

# 60 iterations of batch 64 (0.4 epoch of the 9,182 train+val images;
# ~3 minutes on 2 shared CPU cores at 1 thread); validation on all 2,302
# test images every 30 iterations, the best mA checkpoint kept
max_iters = 60
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
    val_interval=30)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=6),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=6, end=max_iters,
         eta_min=1e-6),
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=30, max_keep_ckpts=1,
                    save_best='attribute/mA', rule='greater'))
log_processor = dict(by_epoch=False)
# the seed of the small-set table (docs/benchmarks.md): the library's
# runtime leaves it None, a new seed every run; randomness.seed=1 is the
# table's second seed
randomness = dict(seed=0, deterministic=False)
