"""Research analyses, one family per module.

- :mod:`lsp_research.topics.alcohol`: alcohol misuse across hospital admissions and police incidents.
- :mod:`lsp_research.topics.wellness`: wellness centre uptake, equity and access.

Import the module you need (``from lsp_research.topics import alcohol``); this package imports nothing
itself, so loading one topic never loads another.
"""
