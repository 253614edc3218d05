"""Models: backbones, the SAIP algorithm, heads, losses, necks."""
# Imported for their registrations.
from . import (  # noqa: F401
    algorithms,
    backbones,
    heads,
    losses,
    mae_rect,
    necks,
    utils,
)
