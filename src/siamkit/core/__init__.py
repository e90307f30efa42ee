"""The conventions every stage shares: ``errors`` (the :class:`SiamkitError` family), ``conventions``
(pair label 1 = same; distance vs similarity), ``registry`` (name → class, for checkpoints and the CLI),
``fileio`` (atomic writes) and ``lazy`` (packages that import their names on first use).

Nothing here imports an upper layer; every other package may import from here.
"""
