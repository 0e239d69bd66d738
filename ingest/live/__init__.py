"""The live feed: batch files dropped into the inbox become lake rows, validated, exactly once.

Modules, one job each:

- ``inbox``: which files are complete (settled, not temporary);
- ``readers``: a file's bytes to a frame, or a whole-file refusal;
- ``incoming``, ``rules``, ``validate``: the contract's checks, vectorised, one reason per row;
- ``lakeids``: ids (and batches) the lake already holds;
- ``batch``: one file start to finish, in a crash-safe order; ``report``, ``ledger``: its records;
- ``watcher``: the loop (``python -m ops watch``); ``compact``: merging small files;
- ``synth``, ``simulate``: a realistic feed for demos (``python -m ingest simulate``);
- ``failpoints``: deterministic crash points for the kill-and-restart tests.

See docs/DATA.md, "Live ingest", for the rules as users see them.
"""
