# LUPerson-style unlabeled person crops -> SAIP views (SAIPv1 defaults).
# data/LUPerson/ holds any image tree (or set ann_file to a list file);
# the composite backgrounds come from the same images unless a folder of
# backgrounds (or real multi-person photos) is given:
#   background=dict(type='folder', root='data/backgrounds/')
data_root = 'data/LUPerson/'
train_pipeline = [
    dict(type='saip_mm.LoadPersonImage'),
    dict(type='saip_mm.SAIPMultiScaleViews',
         global_size=(256, 128), local_size=(128, 64), num_local=7,
         global_scale=(0.8, 1.0), local_scale=(0.05, 0.8),
         ratio=(0.4, 0.6)),
    dict(type='saip_mm.MultiPersonComposite',
         background=dict(type='dataset')),
    dict(type='saip_mm.PackSAIPInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=10,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # every view index has one shape across the batch: stack per view
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='saip_mm.PersonImageDataset',
        data_root=data_root,
        ann_file='',
        data_prefix='',
        on_bad_image='raise',
        pipeline=train_pipeline))
