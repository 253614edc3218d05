# PETA pedestrian attributes (mmpretrain scope), 256x128 crops, evaluated
# on the conventional 35 attributes. data/peta/ holds peta_attributes.json
# (tools/dataset_converters/peta_to_json.py) and the images it lists. The
# split is identity-disjoint (PETAzs-style) and drawn reproducibly by
# saip_mm.PETADataset; as in the field, train on train + val, test on test.
num_classes = 35
dataset = dict(
    type='saip_mm.PETADataset',
    data_root='data/peta/',
    ann_file='peta_attributes.json',
    attributes='peta35')

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 256)),  # (w, h)
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(256, 128), padding=10),  # (h, w)
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 256)),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(dataset, split=('train', 'val'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader

# mA + instance-based scores as the field reports them, and mmpretrain's
# per-attribute (macro) precision / recall / F1
val_evaluator = [
    dict(type='saip_mm.PedestrianAttributeMetric'),
    dict(type='MultiLabelMetric', average='macro'),
]
test_evaluator = val_evaluator
