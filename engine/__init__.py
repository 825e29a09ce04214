"""The one door: every change to a city passes here (act), and nothing else writes a state."""

from engine.errors import BadInput, Conflict, InvalidData, JalonError, NotFound, Problem, Refused
from engine.journey.act import ActResult, Option, act

__all__ = [
    "ActResult",
    "BadInput",
    "Conflict",
    "InvalidData",
    "JalonError",
    "NotFound",
    "Option",
    "Problem",
    "Refused",
    "act",
]
