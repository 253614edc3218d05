"""SAIP configs in-process: the demo, the view contract (every config under
DDP: test_ddp_configs.py)."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

REPO = Path(__file__).resolve().parents[2]


def shrink_heads(model: dict) -> None:
    """Narrow the enabled heads: the ablations test wiring, not capacity."""
    if model.get('csm_head'):
        model.csm_head.update(hidden_channels=256, out_channels=1024)
    if model.get('csr_head'):
        model.csr_head.update(embed_dims=128, depth=2)
    if model.get('css_head'):
        model.css_head.update(embed_dims=128, num_query_blocks=1)


def test_view_count_mismatch_stops_the_demo(tmp_path):
    # the reproduction: 3 local views in the pipeline, 2 in the model
    cfg = Config.fromfile(str(REPO / 'configs/saip/saip_demo.py'))
    cfg.merge_from_dict({'model.num_local_views': 2,
                         'train_dataloader.dataset.pipeline.1.num_local': 3})
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = 'view_mismatch'
    with pytest.raises(ValueError, match=r'makes 3 local views.*'
                       r'model.num_local_views=2'):
        Runner.from_cfg(cfg).train()


def test_demo_config_runs_without_data_and_visualises(demo_run,
                                                      script_runner):
    runner = demo_run.runner  # 2 demo iterations (tests/conftest.py)
    demo = REPO / 'configs/saip/saip_demo.py'
    work_dir = demo_run.work_dir
    assert runner.iter == 2
    assert 'train/loss_css_roi' in runner.message_hub.log_scalars
    # the first log a user sees: no WARNING (mmengine's one per frozen
    # teacher tensor, its FileClient deprecation) and no line per tensor
    log = demo_run.log
    assert ' - WARNING - ' not in log, [
        line for line in log.splitlines() if ' - WARNING - ' in line]
    assert 'paramwise_options' not in log
    assert 'not optimised (requires_grad=False): teacher ' in log
    # without --out the PNG goes into the checkpoint's work dir
    png = work_dir / 'saip_sample.png'
    out = script_runner([REPO / 'tools/analysis/visualize_saip.py', demo,
                         work_dir / 'iter_2.pth'], cwd=REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    assert f'wrote {png}' in out.stdout
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert png.stat().st_size > 20_000


def test_demo_schedule_moves_the_weights_within_the_demo():
    """``make demo`` runs this config as it is: its lr must not be scaled
    down to nothing by the batch, its warm-up must end early, and its data
    must last the run (a restarted dataloader logs a WARNING)."""
    cfg = Config.fromfile(str(REPO / 'configs/saip/saip_demo.py'))
    max_iters = cfg.train_cfg.max_iters
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert not cfg.auto_scale_lr.enable
    assert cfg.optim_wrapper.optimizer.lr >= 1e-4
    assert cfg.optim_wrapper.accumulative_counts == 1
    assert [s.type for s in cfg.param_scheduler] == ['LinearLR']
    assert cfg.param_scheduler[0].end <= max_iters // 4
    loader = cfg.train_dataloader
    assert loader.dataset.num_samples >= max_iters * loader.batch_size
    assert cfg.default_hooks.checkpoint.interval == max_iters


class TeacherCheck(Hook):
    """Record teacher == student before the first step, then stop."""

    def before_train(self, runner) -> None:
        model = runner.model
        student = model.backbone.state_dict()
        teacher = model.teacher['backbone'].state_dict()
        self.differing = [k for k, v in teacher.items()
                          if not torch.equal(v, student[k])]
        self.num_tensors = len(teacher)
        head = model.csm_head.state_dict()
        self.differing += [f'csm_head.{k}' for k, v in
                           model.teacher['csm_head'].state_dict().items()
                           if not torch.equal(v, head[k])]
        runner.train_loop.stop_training = True


def test_runner_built_model_starts_its_teacher_as_the_student(
        tmp_path, shared_data):
    cfg = Config.fromfile(str(REPO / 'configs/saip/saip_vit-t.py'))
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = 'teacher_start'
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False,
                                pin_memory=False, batch_size=2)
    cfg.train_dataloader.dataset.update(
        data_root=str(shared_data / 'persons'), ann_file='train.txt',
        indices=4)
    cfg.optim_wrapper.type = 'OptimWrapper'
    runner = Runner.from_cfg(cfg)
    check = TeacherCheck()
    runner.register_hook(check, 'VERY_HIGH')
    runner.train()
    assert runner.iter == 0
    assert check.num_tensors > 150
    assert not check.differing, check.differing
