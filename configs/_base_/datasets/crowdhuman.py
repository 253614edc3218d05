# CrowdHuman full-body boxes (mmdet scope), the layout of mmdet's CrowdDet
# recipe: data/CrowdHuman/{Images/, annotation_train.odgt,
# annotation_val.odgt}. Boxes tagged "mask" or with extra.ignore are
# ignore regions. Evaluation: AP, MR^-2 and JI with CrowdHumanMetric.
dataset_type = 'CrowdHumanDataset'
data_root = 'data/CrowdHuman/'
img_scale = (1400, 800)  # CrowdDet's (long, short) side limits

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    # after Resize, so the metric sees boxes in original coordinates
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]

train_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotation_train.odgt',
        data_prefix=dict(img='Images/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotation_val.odgt',
        data_prefix=dict(img='Images/'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# ann_file is relative to val_dataloader.dataset.data_root, like the
# dataset's (tools/train.py and tools/test.py join them)
val_evaluator = dict(
    type='CrowdHumanMetric',
    ann_file='annotation_val.odgt',
    metric=['AP', 'MR', 'JI'])
test_evaluator = val_evaluator
