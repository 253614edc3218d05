"""Time SAIP pretraining steps: samples/s, phase split, memory, FLOPs.

Builds a pretraining config's model and runs warm-up, then timed steps
(forward, backward, optimizer, teacher EMA; no data loading) on random views
already on the device, and prints samples/s, the time of each phase, peak
memory and the counted model FLOPs per sample.

``--baseline-mae`` adds mmpretrain's MAE (75 % masking, on the global view
size, through the rectangular-grid classes of ``saip_mm.models.baselines``)
with the same backbone, decoder and batch. The modes run interleaved in one
process, so machine load affects them alike, and the ratio of their median
step times is printed. (SAIP has one path; the naive per-view reference it
is checked against lives in
``tests/test_models/test_algorithms/test_saip_optimisations.py``.)

Example::

    python tools/analysis/benchmark_pretrain.py \\
        configs/saip/saip_vit-t.py --batch-size 8 \\
        --baseline-mae
"""
import argparse
import contextlib
import os
import os.path as osp
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from runner_cli import import_saip_mm  # noqa: E402

# record_function ranges inside SAIP.loss, in the order they run
FORWARD_PHASES = ('saip:student', 'saip:teacher', 'saip:csm', 'saip:csr',
                  'saip:css')
STEP_PHASES = ('forward', 'backward', 'optimizer', 'ema')


def parse_args(argv: Optional[list] = None) -> argparse.Namespace:
    """Parse the command line."""
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Time SAIP pretraining steps on random views')
    parser.add_argument('config', help='pretraining config file')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--iters', type=int, default=2,
                        help='timed steps per mode and round')
    parser.add_argument('--rounds', type=int, default=3,
                        help='interleaved rounds; the median is reported')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed steps per mode first')
    parser.add_argument(
        '--device', choices=['cpu', 'cuda'],
        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--amp', choices=['bf16'],
        help='bf16 autocast (mmengine AmpOptimWrapper on CUDA)')
    parser.add_argument(
        '--compile', action='store_true',
        help='torch.compile the loss of SAIP and of MAE')
    parser.add_argument('--baseline-mae', action='store_true',
                        help="also time mmpretrain's MAE")
    parser.add_argument('--threads', type=int,
                        help='torch CPU threads (default: torch\'s)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config (key=value)')
    return parser.parse_args(argv)


@dataclass
class Mode:
    """One model to time, with its optimizer and results."""
    name: str
    model: nn.Module
    wrapper: object
    batch: Tuple[object, object]
    note: str
    step_times: List[float] = field(default_factory=list)
    cpu_times: List[float] = field(default_factory=list)
    phases: Dict[str, List[float]] = field(
        default_factory=lambda: defaultdict(list))
    flops: float = 0.
    components: Dict[str, float] = field(default_factory=dict)
    first_step: float = 0.
    peak_mem: float = 0.


# ---------------------------------------------------------------- build
def load_config(args: argparse.Namespace):
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def build_model(model_cfg: dict, device: str, seed: int) -> nn.Module:
    from mmengine.registry import MODELS
    torch.manual_seed(seed)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model.to(device).train()


def build_wrapper(model: nn.Module, cfg: dict, device: str,
                  amp: Optional[str]):
    """The config's optim wrapper, every step updating the weights.

    AMP wrappers need CUDA; on CPU a plain wrapper runs (``--amp`` then
    autocasts in :func:`train_step`).
    """
    from mmengine.optim import build_optim_wrapper
    cfg = dict(cfg, accumulative_counts=1)
    if device == 'cpu':
        cfg['type'] = 'OptimWrapper'
        cfg.pop('dtype', None)
        cfg.pop('loss_scale', None)
    elif amp == 'bf16':
        cfg.update(type='AmpOptimWrapper', dtype='bfloat16')
    return build_optim_wrapper(model, cfg)


def view_sizes(cfg) -> Dict[str, Tuple[int, int]]:
    """Global, local and composite (h, w) from the config's pipeline."""
    sizes = dict(global_size=(256, 128), local_size=(128, 64),
                 composite=(224, 224))
    pipeline = cfg.get('train_dataloader', {}).get('dataset', {}).get(
        'pipeline', [])
    for transform in pipeline:
        if transform['type'].endswith('SAIPMultiScaleViews'):
            for key in ('global_size', 'local_size'):
                sizes[key] = tuple(transform.get(key, sizes[key]))
        elif transform['type'].endswith('MultiPersonComposite'):
            sizes['composite'] = tuple(transform.get('size', (224, 224)))
    return sizes


def saip_batch(model: nn.Module, sizes: Dict[str, Tuple[int, int]],
               batch_size: int, device: str) -> Tuple[list, list]:
    """Random normalised views and paste masks, shaped as in training."""
    from mmpretrain.structures import DataSample

    from saip_mm.models.utils import SAIPViews

    def view(hw):
        return torch.randn(batch_size, 3, *hw, device=device)

    g_h, g_w = sizes['global_size']
    views = SAIPViews(
        g1=view((g_h, g_w)), g2=view((g_h, g_w)),
        local_views=[view(sizes['local_size'])
                     for _ in range(model.num_local_views)],
        r=view((int(g_h * model.ref_scale), int(g_w * model.ref_scale))),
        composite=view(sizes['composite']))
    h, w = sizes['composite']
    samples = []
    for _ in range(batch_size):
        sample = DataSample()
        for key, x0 in (('roi_mask', 0), ('inst_mask', w // 2)):
            mask = torch.zeros(h, w, dtype=torch.uint8, device=device)
            mask[h // 8:h // 8 + h // 2, x0:x0 + w // 4] = 1
            sample.set_field(mask, key)
        samples.append(sample)
    return views.to_inputs(), samples


def mae_config(saip: nn.Module) -> dict:
    """mmpretrain's MAE with SAIP's backbone, input size and CSR decoder.

    Uses the rectangular-grid subclasses of :mod:`saip_mm.models.baselines`
    (mmpretrain's MAE assumes square grids).
    """
    import saip_mm.models.baselines  # noqa: F401 (registers the classes)
    backbone = saip.backbone
    arch = backbone.arch_settings
    patch, grid = backbone.patch_size, backbone.grid_size
    decoder = dict(decoder_embed_dim=512, decoder_depth=8,
                   decoder_num_heads=16)
    if hasattr(saip, 'csr_head'):
        decoder = dict(
            decoder_embed_dim=saip.csr_head.decoder_embed.out_features,
            decoder_depth=len(saip.csr_head.blocks),
            decoder_num_heads=saip.csr_head.blocks[0].attn.num_heads)
    return dict(
        type='mmpretrain.MAE',
        backbone=dict(
            type='saip_mm.MAEViTRect', img_size=backbone.img_size,
            patch_size=patch, mask_ratio=0.75,
            arch=dict(embed_dims=arch['embed_dims'],
                      num_layers=arch['num_layers'],
                      num_heads=arch['num_heads'],
                      feedforward_channels=int(arch['embed_dims'] *
                                               arch['mlp_ratio']))),
        neck=dict(type='saip_mm.MAEPretrainDecoderRect',
                  patch_resolution=grid, patch_size=patch, in_chans=3,
                  embed_dim=arch['embed_dims'], mlp_ratio=4., **decoder),
        head=dict(type='saip_mm.MAEPretrainHeadRect', patch_resolution=grid,
                  norm_pix=True, patch_size=patch,
                  loss=dict(type='mmpretrain.PixelReconstructionLoss',
                            criterion='L2')))


def build_modes(args: argparse.Namespace) -> List[Mode]:
    cfg = load_config(args)
    device, amp = args.device, args.amp
    sizes = view_sizes(cfg)
    model = build_model(cfg.model.copy(), device, args.seed)
    wrapper = build_wrapper(model, cfg.optim_wrapper, device, amp)
    modes = [Mode('saip', model, wrapper,
                  saip_batch(model, sizes, args.batch_size, device),
                  describe(wrapper))]
    if args.baseline_mae:
        model = build_model(mae_config(modes[0].model), device, args.seed)
        wrapper = build_wrapper(model, cfg.optim_wrapper, device, amp)
        size = sizes['global_size']
        images = torch.randn(args.batch_size, 3, *size, device=device)
        modes.append(Mode('mae', model, wrapper, (images, None),
                          f'mmpretrain MAE at {size[0]}x{size[1]}; ' +
                          describe(wrapper)))
    return modes


def describe(wrapper) -> str:
    """Precision and optimizer flavour, for the printout."""
    defaults = wrapper.optimizer.defaults
    flavour = ('fused' if defaults.get('fused') else
               'foreach' if defaults.get('foreach') else 'for-loop')
    precision = getattr(wrapper, 'cast_dtype', None) or (
        torch.float16 if hasattr(wrapper, 'loss_scaler') else 'fp32')
    return f'{type(wrapper).__name__} ({precision}), {flavour} ' \
        f'{type(wrapper.optimizer).__name__}'


# ----------------------------------------------------------------- step
def synchronize(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def train_step(mode: Mode, amp: Optional[str], device: str,
               timer: Optional[Callable] = None) -> None:
    """Forward, backward, optimizer step and teacher EMA of one batch."""
    timer = timer or (lambda name: record_function(f'step:{name}'))
    model, wrapper = mode.model, mode.wrapper
    cpu_amp = (torch.autocast('cpu', dtype=torch.bfloat16)
               if device == 'cpu' and amp == 'bf16' else
               contextlib.nullcontext())
    with timer('forward'), wrapper.optim_context(model), cpu_amp:
        losses = model.loss(*mode.batch)
    with timer('backward'):
        wrapper.backward(sum(losses.values()))
    with timer('optimizer'):
        wrapper.step()
        wrapper.zero_grad()
    if hasattr(model, 'update_teacher'):
        with timer('ema'):
            model.update_teacher(0.996)


def timed_steps(mode: Mode, iters: int, amp: Optional[str],
                device: str) -> float:
    """Mean wall seconds per step over ``iters`` steps; the process's mean
    CPU seconds per step go to ``mode.cpu_times``."""
    synchronize(device)
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(iters):
        train_step(mode, amp, device)
    synchronize(device)
    mode.cpu_times.append((time.process_time() - cpu_start) / iters)
    return (time.perf_counter() - start) / iters


def phase_split(mode: Mode, amp: Optional[str], device: str) -> None:
    """One step with synchronised phase timers under the profiler.

    Step phases are wall-clock; the forward's SAIP ranges are CPU time on
    CPU (the wall time there) and kernel time on CUDA. Appends one sample
    (ms) per phase to ``mode.phases``.
    """
    wall: Dict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def timer(name):
        synchronize(device)
        start = time.perf_counter()
        with record_function(f'step:{name}'):
            yield
        synchronize(device)
        wall[name] += time.perf_counter() - start

    activities = [ProfilerActivity.CPU]
    if device == 'cuda':
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as prof:
        train_step(mode, amp, device, timer)
    events = {e.key: e for e in prof.key_averages()}
    for name, seconds in wall.items():
        mode.phases[name].append(seconds * 1e3)
    for name in FORWARD_PHASES:
        if name in events:
            event = events[name]
            us = (event.device_time_total if device == 'cuda' else
                  event.cpu_time_total)
            mode.phases[name].append(us / 1e3)


class LossCall(nn.Module):
    """``model.loss`` as a module call, so that FlopCounterMode's module
    tracker names every submodule from the model down (SAIP calls its
    backbone's ``forward_saip``, which the tracker does not see)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, *batch) -> Dict[str, torch.Tensor]:
        return self.model.loss(*batch)


def components(model: nn.Module) -> Dict[str, str]:
    """Display name -> module path (below ``model``) of the model's parts:
    its children, the EMA teacher split into the modules it runs."""
    parts = {}
    for name, child in model.named_children():
        if name == 'data_preprocessor':
            continue
        net = getattr(child, 'net', None)
        if isinstance(net, nn.ModuleDict):
            parts.update({f'{name} {sub}': f'{name}.net.{sub}'
                          for sub in net})
        else:
            parts[name] = name
    return parts


class ComponentFlopCounter(FlopCounterMode):
    """FlopCounterMode that also charges each operation to one component:
    the first whose module path (a prefix) is among the modules running it.

    Per-module totals cannot be summed into components: a head's method may
    run a submodule outside the head's own ``forward`` (SAIP's CSS mask
    convolutions), which the head's total then lacks.
    """

    def __init__(self, paths: Dict[str, str]) -> None:
        super().__init__(display=False)
        self.paths = paths
        self.components: Dict[str, float] = defaultdict(float)

    def _count_flops(self, func_packet, out, args, kwargs):
        before = self.flop_counts['Global'][func_packet]
        out = super()._count_flops(func_packet, out, args, kwargs)
        flops = self.flop_counts['Global'][func_packet] - before
        if flops:
            running = self.mod_tracker.parents
            label = next((label for label, path in self.paths.items()
                          if any(name == path or name.startswith(path + '.')
                                 for name in running)), 'other')
            self.components[label] += flops
        return out


def count_flops(mode: Mode) -> Tuple[float, Dict[str, float]]:
    """Model FLOPs of one forward + backward (optimizer and EMA excluded),
    and the forward's by component.

    Components are the model's parts (:func:`components`; ``other``: the
    operations outside them, e.g. the losses' own arithmetic) and
    ``backward``, counted as one: the module tracker's backward attribution
    is not usable here (a module whose inputs need no gradient, such as the
    patch embedding or a head reading teacher tokens, stays "entered" for
    the rest of the backward and is charged for it).
    """
    root = LossCall.__name__ + '.model'
    paths = {label: f'{root}.{path}'
             for label, path in components(mode.model).items()}
    forward = ComponentFlopCounter(paths)
    with forward, mode.wrapper.optim_context(mode.model):
        losses = LossCall(mode.model)(*mode.batch)
    backward = FlopCounterMode(display=False)
    with backward:
        sum(losses.values()).backward()
    mode.wrapper.zero_grad()
    parts = {label: forward.components[label] for label in [*paths, 'other']}
    parts['backward'] = backward.get_total_flops()
    return forward.get_total_flops() + parts['backward'], parts


class PeakMemory:
    """Peak memory of a code block: CUDA allocator peak or process RSS."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.peak = 0.

    def __enter__(self) -> 'PeakMemory':
        if self.device == 'cuda':
            torch.cuda.reset_peak_memory_stats()
        else:
            # resets VmHWM to the current RSS (Linux)
            with contextlib.suppress(OSError):
                with open('/proc/self/clear_refs', 'w') as f:
                    f.write('5')
        return self

    def __exit__(self, *exc) -> None:
        if self.device == 'cuda':
            self.peak = torch.cuda.max_memory_allocated()
            return
        with open('/proc/self/status') as f:
            kib = [int(line.split()[1]) for line in f
                   if line.startswith('VmHWM')]
        self.peak = kib[0] * 1024 if kib else 0.


# ----------------------------------------------------------------- main
def report(modes: List[Mode], args: argparse.Namespace,
           load: Tuple[Tuple[float, ...], Tuple[float, ...]]) -> None:
    batch = args.batch_size
    device = (torch.cuda.get_device_name() if args.device == 'cuda' else
              f'CPU, {torch.get_num_threads()} threads')
    mem = 'peak allocated' if args.device == 'cuda' else 'peak RSS'
    print(f'\n{args.config}: batch {batch}, {device}'
          f"{', bf16 autocast' if args.amp == 'bf16' else ''}"
          f"{', compiled' if args.compile else ''}, torch "
          f'{torch.__version__}; {args.rounds} rounds x {args.iters} '
          'steps per mode, medians')
    print('load average (1, 5, 15 min) before: '
          '{:.2f} {:.2f} {:.2f}, after: {:.2f} {:.2f} {:.2f}'.format(
              *load[0], *load[1]))
    for mode in modes:
        print(f'  {mode.name}: {mode.note}')
    # CPU s/step: the process's CPU time, which a loaded machine's time
    # slicing does not inflate (with 1 thread: about the step's work)
    print(f"\n| mode | s/step | CPU s/step | samples/s | GFLOP/sample | "
          f'TFLOP/s | {mem} GiB |')
    print('|---|---|---|---|---|---|---|')
    median = {m.name: statistics.median(m.step_times) for m in modes}
    for mode in modes:
        step = median[mode.name]
        gflop = mode.flops / batch / 1e9
        print(f'| {mode.name} | {step:.3f} | '
              f'{statistics.median(mode.cpu_times):.3f} | '
              f'{batch / step:.1f} | '
              f'{gflop:.1f} | {gflop * batch / step / 1e3:.3g} | '
              f'{mode.peak_mem / 2**30:.2f} |')
    names = [p for p in STEP_PHASES + FORWARD_PHASES
             if any(p in m.phases for m in modes)]
    print('\nphases: ms, median of one synchronised, profiled step per '
          'round (saip:* are '
          f"{'kernel' if args.device == 'cuda' else 'CPU'} time inside "
          'the forward)')
    print('| phase | ' + ' | '.join(m.name for m in modes) + ' |')
    print('|---|' + '---|' * len(modes))
    for name in names:
        cells = [f'{statistics.median(m.phases[name]):.0f}'
                 if name in m.phases else '-' for m in modes]
        print(f'| {name} | ' + ' | '.join(cells) + ' |')
    print('\nGFLOP per sample by component: the forward of each part '
          '(FlopCounterMode per module), then the whole backward')
    for mode in modes:
        total = mode.flops or 1.
        print(f'  {mode.name}: ' + ', '.join(
            f'{label} {flops / batch / 1e9:.1f} ({100 * flops / total:.0f} %)'
            for label, flops in mode.components.items()))
    if args.warmup:
        print('first (warm-up) step, s: ' + ', '.join(
            f'{m.name} {m.first_step:.1f}' for m in modes) +
            (' (includes compilation)' if args.compile else ''))
    print()
    if 'mae' in median:
        cpu = {m.name: statistics.median(m.cpu_times) for m in modes}
        print('SAIP / MAE step-time ratio: '
              f"{median['saip'] / median['mae']:.2f} (CPU time: "
              f"{cpu['saip'] / cpu['mae']:.2f})")


def main(argv: Optional[list] = None) -> None:
    args = parse_args(argv)
    import_saip_mm()
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope

    # the current logger: keeps init and optimizer-constructor chatter out
    MMLogger.get_instance('benchmark_pretrain', log_level='ERROR')
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    args.compile = args.compile or bool(cfg.get('compile'))
    dtype = str(cfg.optim_wrapper.get('dtype'))
    if args.amp is None and 'bfloat16' in dtype and args.device == 'cuda':
        args.amp = 'bf16'
    load_before = os.getloadavg()
    modes = build_modes(args)
    for mode in modes:
        mode.flops, mode.components = count_flops(mode)
        if args.compile:
            mode.model.loss = torch.compile(mode.model.loss)
        with PeakMemory(args.device) as peak:
            for _ in range(args.warmup):
                seconds = timed_steps(mode, 1, args.amp, args.device)
                mode.first_step = mode.first_step or seconds
        mode.peak_mem = peak.peak
        mode.cpu_times.clear()
    for _ in range(args.rounds):
        for mode in modes:
            mode.step_times.append(
                timed_steps(mode, args.iters, args.amp, args.device))
            phase_split(mode, args.amp, args.device)
    report(modes, args, (load_before, os.getloadavg()))


if __name__ == '__main__':
    main()
