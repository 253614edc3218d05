# COCO restricted to its person class (mmdet scope). CocoDataset keeps only
# the person annotations and CocoMetric scores only that category, over
# every val2017 image (the standard person AP).
_base_ = ['mmdet::_base_/datasets/coco_detection.py']

metainfo = dict(classes=('person', ))
train_dataloader = dict(dataset=dict(metainfo=metainfo))
val_dataloader = dict(dataset=dict(metainfo=metainfo))
test_dataloader = val_dataloader

# Relative to {val,test}_dataloader.dataset.data_root, like the dataset's own
# ann_file (tools/train.py and tools/test.py join them, see
# saip_mm/utils/annotation_files.py), so that pointing data_root at another
# folder moves the metric's json too.
val_evaluator = dict(ann_file='annotations/instances_val2017.json')
test_evaluator = val_evaluator
