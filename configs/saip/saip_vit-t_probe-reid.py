# saip_vit-t.py on ../shared/data/persons (10,209 PETA person crops) with a
# training-free ReID probe on ../shared/data/reid_grid after every epoch:
# mAP / Rank-k of the student's CLS features go to the log and to
# scalars.json as probe/reid_mAP, probe/reid_R1, ... Paths are relative to
# the repository root.
_base_ = ['./saip_vit-t.py']
train_dataloader = dict(
    dataset=dict(data_root='../shared/data/persons', ann_file='train.txt'))
custom_hooks = [
    *_base_.custom_hooks,
    dict(type='saip_mm.ReIDProbeHook', data_root='../shared/data/reid_grid',
         interval=1, by_epoch=True, feature='cls', batch_size=64,
         before_train=True),
]
