# Market-1501 for mmdet's ReID models (default_scope 'mmdet').
# Training: mmdet's ReIDDataset draws a PK batch (num_ids x ins_per_id
# crops) per item, hence batch_size=1. Evaluation: saip_mm.Market1501Dataset
# yields the queries and the gallery with their cameras for the standard
# camera-aware protocol, from meta/query.txt + meta/gallery.txt when they
# exist, else from the names in query/ and bounding_box_test/ (a test-only
# folder needs no lists). Write the lists once with
#   python tools/dataset_converters/market1501_to_reid.py data/market1501
data_root = 'data/market1501/'
img_scale = (128, 256)  # (w, h), as mmcv's Resize takes it

train_pipeline = [
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[
            dict(type='LoadImageFromFile', to_float32=True),
            dict(type='Resize', scale=img_scale, keep_ratio=False,
                 clip_object_border=False),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        ]),
    dict(type='PackReIDInputs', meta_keys=('flip', 'flip_direction')),
]
test_pipeline = [
    dict(type='LoadImageFromFile', to_float32=True),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    # mmpretrain's packer yields (C, H, W) inputs, so test batches may hold
    # many images; PackReIDInputs' (1, C, H, W) only works with batch 1.
    dict(type='mmpretrain.PackInputs',
         meta_keys=('img_path', 'pid', 'camid', 'is_query')),
]

train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='ReIDDataset',
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix=dict(img_path=''),
        triplet_sampler=dict(num_ids=16, ins_per_id=4),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='saip_mm.Market1501Dataset',
        data_root=data_root,
        query_ann_file='meta/query.txt',
        gallery_ann_file='meta/gallery.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='saip_mm.ReIDQueryGalleryMetric', ranks=(1, 5, 10))
test_evaluator = val_evaluator
