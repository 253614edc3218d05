# The bf16 GPU recipe with mmengine compiling the train step
# (torch.compile; the first iterations are slow while it compiles).
_base_ = ['./saip_vit-t_fused-adamw_amp-bf16.py']
compile = True
