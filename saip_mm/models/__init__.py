"""Models: backbones, the SAIP algorithm, heads, losses, necks, and the
baselines SAIP is compared with."""
# Imported for their registrations.
from . import (  # noqa: F401
    algorithms,
    backbones,
    baselines,
    heads,
    losses,
    necks,
    utils,
)
