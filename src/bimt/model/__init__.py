"""The spatial RNN, its geometry, the connection cost and exact neuron swaps (BIMT)."""

from bimt.model.cost import active_connections, connection_cost, wiring_cost, wiring_length
from bimt.model.geometry import Geometry, Grid1D, Grid2D, geometry_from_dict
from bimt.model.reference import reference_forward
from bimt.model.rnn import INITS, SpatialRNN
from bimt.model.swap import (
    importance,
    naive_relocate,
    relocate,
    swap_delta,
    swap_slots,
)

__all__ = [
    "INITS",
    "Geometry",
    "Grid1D",
    "Grid2D",
    "SpatialRNN",
    "active_connections",
    "connection_cost",
    "geometry_from_dict",
    "importance",
    "naive_relocate",
    "reference_forward",
    "relocate",
    "swap_delta",
    "swap_slots",
    "wiring_cost",
    "wiring_length",
]
