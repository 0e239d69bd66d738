"""The lake: the foundation every other package stands on.

Table layouts and their manifests (``layout``), the atomic writer (``writer``), the data
contract (``contract``), the reference data (``reference``) and the one fiscal calendar
(``fiscal``). It imports no other package of the project, so readers (``queries``) and writers
(``ingest``, ``targeting``) share it without depending on each other.
"""
