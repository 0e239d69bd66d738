"""User accounts and the audit trail: who may sign in, with which role, and what they did.

A layer beside ``ingest`` and ``targeting``: it may import ``queries`` (its two SQLite stores),
``lake`` and ``settings``, and nothing below it imports it. The web side (sign-in, sessions,
what each role may open) builds on ``service`` and ``audit``; ``python -m accounts`` is the
administrator's command line.
"""
