"""Fit a config's ``param_scheduler`` to a train loop of another length.

``--cfg-options train_cfg.max_iters=2`` shortens the loop but leaves the
schedulers where the config put them: a warm-up that ends at iteration 1500
and a decay that begins there make mmengine stop with "end should be larger
than begin, but got begin=1500, end=2". :func:`fit_schedule_to_loop` scales
every time-valued scheduler field by new length / config length, so a short
run keeps the schedule's shape (warm-up fraction, decay to the end). An
epoch-based config given ``train_cfg.max_iters`` becomes an iteration-based
run of that many iterations; its epoch-valued fields become iteration-valued
at the same fractions.

mmengine has no such option (its runner only fills a missing ``end`` with the
loop length), hence this module. ``tools/train.py --keep-schedule`` turns it
off.
"""
import copy
import math
from typing import List, Optional, Tuple

# scheduler fields that are points or spans of training time
TIME_KEYS = ('begin', 'end', 'T_max', 'milestones', 'step_size', 'periods',
             'total_steps')


def loop_length(train_cfg) -> Tuple[str, int]:
    """The unit (``'epoch'``/``'iter'``) and length of a ``train_cfg``."""
    loop_type = str(train_cfg.get('type', ''))
    by_epoch = 'EpochBased' in loop_type or (
        not loop_type and train_cfg.get('by_epoch', False))
    if by_epoch:
        return 'epoch', train_cfg['max_epochs']
    return 'iter', train_cfg['max_iters']


def scheduler_list(cfg) -> list:
    """The scheduler dicts of ``cfg.param_scheduler`` (also per optimizer).
    """
    schedulers = cfg.get('param_scheduler', None)
    if schedulers is None:
        return []
    if isinstance(schedulers, dict) and 'type' not in schedulers:
        schedulers = [s for group in schedulers.values()
                      for s in (group if isinstance(group, list) else [group])]
    return schedulers if isinstance(schedulers, list) else [schedulers]


def unit_of(scheduler) -> str:
    """The unit a scheduler's ``begin``/``end`` are counted in."""
    return 'epoch' if scheduler.get('by_epoch', True) else 'iter'


def _scale(value, ratio: float, rounding):
    if isinstance(value, (list, tuple)):
        return type(value)(_scale(v, ratio, rounding) for v in value)
    return int(rounding(value * ratio))


def scale_scheduler(scheduler, ratio: float, limit: Optional[int]) -> None:
    """Scale the time fields of one scheduler (in place).

    ``begin`` rounds down and ``end`` up, so a scheduler never becomes empty;
    with ``limit`` (the new loop length) every field is also cut there.
    """
    for key in TIME_KEYS:
        if key not in scheduler or scheduler[key] is None:
            continue
        rounding = math.ceil if key == 'end' else math.floor
        value = _scale(scheduler[key], ratio, rounding)
        if limit is not None and not isinstance(value, (list, tuple)):
            value = min(value, limit - 1 if key == 'begin' else limit)
        scheduler[key] = max(value, 1) if key in ('T_max', 'step_size',
                                                  'total_steps') else value
    if 'end' in scheduler and scheduler['end'] <= scheduler.get('begin', 0):
        scheduler['end'] = scheduler.get('begin', 0) + 1


def epochs_to_iters(cfg, max_iters: int, epochs: int) -> List[str]:
    """Make an epoch-based config an iteration-based run of ``max_iters``.

    Epoch-valued scheduler fields keep their fraction of the run;
    iteration-valued ones (warm-ups) are cut at ``max_iters``.
    """
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                         val_interval=max_iters)
    changes = [f'train_cfg -> IterBasedTrainLoop(max_iters={max_iters}) '
               f'(the config trains {epochs} epochs)']
    for scheduler in scheduler_list(cfg):
        old = copy.deepcopy(scheduler)
        if unit_of(scheduler) == 'epoch':
            scale_scheduler(scheduler, max_iters / epochs, max_iters)
            scheduler['by_epoch'] = False
            scheduler.pop('convert_to_iter_based', None)
        else:
            scale_scheduler(scheduler, 1.0, max_iters)
        changes.append(describe(old, scheduler))
    if 'log_processor' in cfg:
        cfg.log_processor['by_epoch'] = False
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint', None)
    if checkpoint is not None and checkpoint.get('by_epoch', True):
        checkpoint.update(by_epoch=False, interval=max_iters)
        changes.append(f'default_hooks.checkpoint: every {max_iters} '
                       'iterations')
    return changes


def describe(old, new) -> str:
    """One line: a scheduler's type and the fields that changed."""
    fields = ', '.join(f'{key} {old.get(key)}->{new.get(key)}'
                       for key in (*TIME_KEYS, 'by_epoch')
                       if old.get(key) != new.get(key))
    return f'{new["type"]}: {fields or "unchanged"}'


def fit_schedule_to_loop(cfg, config_train_cfg) -> List[str]:
    """Fit ``cfg.param_scheduler`` to ``cfg.train_cfg`` (in place).

    Args:
        cfg (mmengine.config.Config): The merged config.
        config_train_cfg (dict): ``train_cfg`` as the config file set it,
            before ``--cfg-options``.

    Returns:
        list[str]: What was changed, one line each (empty if nothing).

    Raises:
        SystemExit: ``train_cfg.max_epochs`` given to an iteration-based
            config (name the key to use instead).
    """
    unit, config_length = loop_length(config_train_cfg)
    train_cfg = cfg.train_cfg
    if unit == 'epoch' and 'max_iters' in train_cfg:
        return epochs_to_iters(cfg, train_cfg['max_iters'], config_length)
    if unit == 'iter' and 'max_epochs' in train_cfg:
        raise SystemExit(
            f'train_cfg.max_epochs={train_cfg["max_epochs"]}: this config '
            f'trains by iterations (train_cfg.max_iters={config_length}); '
            'set train_cfg.max_iters instead.')
    length = loop_length(train_cfg)[1]
    if length == config_length:
        return []
    changes = []
    for scheduler in scheduler_list(cfg):
        if unit_of(scheduler) != unit:
            continue  # e.g. an iteration warm-up of an epoch-based config
        old = copy.deepcopy(scheduler)
        scale_scheduler(scheduler, length / config_length, None)
        changes.append(describe(old, scheduler))
    return changes


def check_schedule(cfg) -> None:
    """Stop with the keys to change if a scheduler is empty for this loop.

    Only schedulers counted in the loop's own unit can be checked before the
    dataloader exists; mmengine's ``end`` defaults to the loop length.

    Raises:
        SystemExit: Naming ``param_scheduler[i]``, its begin and end.
    """
    unit, length = loop_length(cfg.train_cfg)
    for index, scheduler in enumerate(scheduler_list(cfg)):
        if unit_of(scheduler) != unit:
            continue
        begin = scheduler.get('begin', 0)
        end = scheduler.get('end', None) or length
        if begin >= end:
            raise SystemExit(
                f'param_scheduler[{index}] ({scheduler["type"]}) begins at '
                f'{unit} {begin} but ends at {end} (train_cfg: {length} '
                f'{unit}s): set param_scheduler.{index}.begin / '
                f'param_scheduler.{index}.end, or drop --keep-schedule so '
                'that tools/train.py fits the schedule to the loop.')
