"""Entry points that wire packages together from above them.

Ingest and targeting stand side by side and never import each other; what needs both is put
together here: the demo build (import, generate, publish, then train and score) and the live
watcher, which is given targeting's scoring as the hook it runs on new shipments.
"""
