# PA-100K pedestrian attributes (mmpretrain scope), 26 attributes, the
# official 80k / 10k / 10k split: train on train + val, test on test.
# data/pa100k/ holds the release's annotation.mat and data/*.jpg.
_base_ = ['./peta.py']

num_classes = 26
dataset = dict(
    type='saip_mm.PA100KDataset',
    data_root='data/pa100k/',
    ann_file='annotation.mat',
    data_prefix='data/',
    attributes=None)

data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader
