"""Area profiles: one ward, one area committee, or the whole city (the topic interface of
:mod:`lsp_research.topics.base`).

>>> from lsp_research.topics import base, profiles
>>> base.check_topic(profiles)
[]
"""

from . import charts, tables, text
from .analysis import analyse, ward_decision
from .index import index_context
from .inputs import Inputs, Params, load_inputs, validate_params

# ward_decision: the alcohol report withholds the same wards as the profiles for the same counts;
# index_context: the period index's contribution, registered in programme.yml (``index:``).
__all__ = [
    "Inputs",
    "Params",
    "analyse",
    "charts",
    "index_context",
    "load_inputs",
    "tables",
    "text",
    "validate_params",
    "ward_decision",
]
