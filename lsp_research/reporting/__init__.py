"""Reporting: the quarterly programme, from notebook templates to published HTML.

Modules by stage:

- :mod:`~lsp_research.reporting.programme` -- ``programme.yml``: which notebooks run over which parameter
  sets, and which tiers each exports; validated on load.
- :mod:`~lsp_research.reporting.parameters` -- the typed parameter contract read from each notebook's
  ``parameters`` cell; values are checked before any kernel starts.
- :mod:`~lsp_research.reporting.kernels` -- warm kernels: a fork server that imports the heavy libraries
  once and forks a fresh, isolated kernel process for every run.
- :mod:`~lsp_research.reporting.execute` -- execution behind one interface: a local process pool or Dask.
- :mod:`~lsp_research.reporting.cache` -- skip runs whose notebook, parameters, inputs and code are unchanged.
- :mod:`~lsp_research.reporting.runner` -- the whole quarter: validate, execute, export, index, audit,
  publish atomically under a lock.
- :mod:`~lsp_research.reporting.commands` -- ``lsp-research run`` and ``lsp-research describe``.
- ``export``, ``publish``, ``audit`` -- audience tiers, the index page, the pre-publication audit.
"""
