# COCO restricted to its person class (mmdet scope). CocoDataset keeps only
# the person annotations and CocoMetric scores only that category, over
# every val2017 image (the standard person AP).
_base_ = ['mmdet::_base_/datasets/coco_detection.py']

metainfo = dict(classes=('person', ))
train_dataloader = dict(dataset=dict(metainfo=metainfo))
val_dataloader = dict(dataset=dict(metainfo=metainfo))
test_dataloader = val_dataloader
