"""How long a browser test waits for the page before it fails.

Generous on purpose: a wait ends as soon as its condition holds, so a passing test is not slowed,
and a test must not fail because the machine is busy (the suite runs beside the benchmark on two
cores, and the first page of a session waits for the lake's hot tables to load)."""

WAIT_S = 120
