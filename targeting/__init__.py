"""Targeting: which arriving shipments to examine, why, and which threats are emerging.

The pieces, each one job:

* ``lexicon``: the words and HTS codes the red flags look for (published indicators and the
  reference tables, never the demo generator's own vocabulary).
* ``history``: point-in-time history of every shipment (its parties, route and HTS line before it
  arrived), in batch over the lake and live for a new batch, with the same SQL.
* ``rules``: the red flags, one documented function each, and the ``RULES`` registry.
* ``features``, ``model``: the learned score (a logistic model saved as JSON) and its reasons.
* ``training``, ``evaluation``: training on examined shipments (analyst feedback overrides
  labels) and an honest time-split evaluation against random selection and the rules alone.
* ``scoring``: ``score_shipments`` for a live batch and ``score_lake`` for the ``scores`` table.
* ``emerging``: commodities and routes whose seizures or flagged shipments break control limits.
* ``store``: the analyst's watchlists and feedback in a small SQLite file under ``state/``.

Nothing here imports Dash: pages call in, never the other way round.
"""
