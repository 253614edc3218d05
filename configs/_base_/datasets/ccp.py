# CCP (Clothing Co-Parsing), 59 classes (0 = null, evaluated), on
# full-body street photos of about 550x830. The label PNGs and split files
# come from tools/dataset_converters/ccp_to_mmseg.py data/CCP:
#   data/CCP/photos/NNNN.jpg                  (as distributed)
#   data/CCP/annotations/pixel-level/NNNN.mat (as distributed)
#   data/CCP/labels/NNNN.png                  (written by the converter)
#   data/CCP/splits/{train,val}.txt           (written by the converter)
# Loaders, crop size and evaluator are LIP's.
_base_ = ['./lip.py']

dataset_type = 'saip_mm.CCPDataset'
data_root = 'data/CCP/'
data_prefix = dict(img_path='photos', seg_map_path='labels')
# LIP's pipeline without the left/right label swap: CCP has no such classes
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale={{_base_.crop_size}},
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=data_prefix,
        ann_file='splits/train.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=data_prefix,
        ann_file='splits/val.txt'))
test_dataloader = val_dataloader
