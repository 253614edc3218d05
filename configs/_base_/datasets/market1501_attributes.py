# Market-1501 attributes (mmpretrain scope): 30 binary attributes (age as
# four), identity-level labels, Market's train / test identities.
# data/market1501/ holds the Market-1501 folders and attributes.json
# (tools/dataset_converters/market1501_attr_to_json.py).
_base_ = ['./peta.py']

num_classes = 30
dataset = dict(
    type='saip_mm.MarketAttributeDataset',
    data_root='data/market1501/',
    ann_file='attributes.json',
    attributes=None)

data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(dataset=dict(dataset, split='train'))
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader
