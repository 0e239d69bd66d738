"""User accounts and the audit trail: who may sign in, with which role, and what they did.

A layer beside ``ingest`` and ``targeting``: it may import ``queries`` (its two SQLite stores),
``lake`` and ``settings``, and nothing below it imports it. ``audit`` records what people saw
and did, and checks that the record was not changed.
"""
