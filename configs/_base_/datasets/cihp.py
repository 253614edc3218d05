# CIHP (Crowd Instance-level Human Parsing), semantic part: LIP's 20
# classes on multi-person images. Layout of the official archive:
#   data/CIHP/instance-level_human_parsing/{Training,Validation}/Images
#   data/CIHP/instance-level_human_parsing/{Training,Validation}/Category_ids
_base_ = ['./lip.py']

dataset_type = 'saip_mm.CIHPDataset'
data_root = 'data/CIHP/instance-level_human_parsing/'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='Training/Images', seg_map_path='Training/Category_ids')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='Validation/Images',
            seg_map_path='Validation/Category_ids')))
test_dataloader = val_dataloader
