"""Synthetic manifest lines ("shipments") at U.S. ports, some of which carried a seizure.

No public manifest data exists at line level, so every row here is modelled. The generator aims at
what a targeting page and an analyst need to see, not at any real importer:

* **Skew.** A few ports, HTS lines, shippers and consignees dominate (Zipf-like draws). Most rows
  are the de minimis parcel stream (express consignment and international mail); air cargo, sea
  containers and land trucks (a little rail) make up the rest. A row's mode always fits its port
  type: ecf -> express, imf -> mail, air -> air_cargo, sea -> sea_container, land -> land_truck or
  land_rail. Mail arrives at the international mail facilities, the ``<host>-IMF`` rows of
  ports.csv (port_type imf, e.g. 4701-IMF at JFK); only a ports.csv without imf rows would send it
  to the five IMF host airports instead.
* **Time.** Arrivals spread over [start, end] with volume growing the way CBP's reported de
  minimis counts grew (about 0.5 bn entries in FY2019 to 1.4 bn in FY2024), flatter growth for
  cargo, weekly and yearly seasonality. The 2025 suspension of de minimis is not modelled.
* **Declarations.** HTS line, text, value and weight come from data/reference/hts_codes.csv
  (lognormal value per kg and weight per line). Entry type 86 (Section 321) only for express and
  mail rows worth <= 800 USD; 11 (informal) up to 2,500 USD; 01 (formal) above.

Planted illicit patterns (a small share of rows, strong enough for a model to learn from the seized
rows, noisy enough not to be a lookup: legitimate rows show each feature at a low base rate):

1. **Mis-manifested precursors.** Express, mail and air-cargo rows that really carry 4-AP,
   1-boc-4-AP, NPP, ANPP and the like, declared under a benign chemical line (2942, 3824, 2921,
   2934) or a consumer line, often with a vague text ("organic chemical", "sample", "industrial raw
   material", "daily necessities"), origin CN (some IN), often via HK, KR or MX, and a value per kg
   far below the line's norm (2-15 % of it).
2. **Master cartons with preprinted domestic labels.** Clusters of 12-90 type-86 parcels from one
   shipper to one delivery address (many different consignee names), arriving within four days at
   one port: the split-consignment scheme CBP describes.
3. **An emerging transit route.** From FY2025 on, precursor-laden parcels increasingly route
   origin CN -> transit VN -> one express hub (FedEx Indianapolis when present), growing about 15 %
   month over month. The route is new, so it is examined far less than other illicit traffic.
4. **Placeholder consignees.** "John Doe", "Test Test", "N/A", "Customer" and similar names are
   about 100 times more common on illicit rows than on legitimate ones.
5. **Tableting machines and die sets without a DEA transaction id.** Importing a tableting or
   encapsulating machine needs a DEA Form 452 transaction id; 92 % of legitimate machine lines
   carry one, the illicit ones never do, and some are described as candy or food machines.

Examination: about 3 % of rows, concentrated on rows showing red flags; every row linked to a
seizure is examined and "seized"; a small number of illicit rows are examined and wrongly
"cleared"; most illicit rows are never examined ("not_examined"), as in real life.

Links: most seizures come without a manifest line. Seizures between ports, from passengers or
vehicles never have one; at a port, a seizure links with probability 0.8 by express, 0.3 by mail
(international mail often travels without advance electronic data), 0.4 by air cargo, sea
container or land truck (0.9 for precursors and equipment). The linked set is then capped at 2 %
of the rows, keeping precursor and equipment seizures first, then de minimis ones, then the rest.
Each linked seizure gets exactly one shipment that matches its port, mode, day, countries and de
minimis flag.

Everything is drawn from the one ``numpy.random.Generator`` passed in, in a fixed order; strings
are built with polars expressions over integer columns, so 5 million rows take seconds.

Modules: vocabulary (lookup tables), arrivals (time), draws (random helpers), hts and declarations
(what rows declare), context (codes and pools of a run), parties (shippers, consignees, carriers),
columns (the integer row layout), background (legitimate rows), illicit (planted, never-seized
rows), linking (seizures with a manifest line), exams (examination and entry types), assemble
(the final frame).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import numpy as np
import polars as pl

from ingest.generate.shipments.arrivals import day_cdf, day_range
from ingest.generate.shipments.assemble import assemble
from ingest.generate.shipments.background import background_rows
from ingest.generate.shipments.columns import concat_columns
from ingest.generate.shipments.context import build_context
from ingest.generate.shipments.exams import entry_types, examine
from ingest.generate.shipments.hts import UPPERCASE_RATE, declared_texts
from ingest.generate.shipments.illicit import hidden_count, hidden_rows
from ingest.generate.shipments.linking import linked_rows, select_linked

__all__ = ["make_shipments"]

BACKGROUND_CHUNK = 1_000_000  # rows per background segment, to bound peak memory


def make_shipments(
    n: int,
    rng: np.random.Generator,
    seizures: pl.DataFrame,
    start: date,
    end: date,
    batch_id: str,
    ingested_at: datetime,
    progress: Callable[[int], None] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``n`` manifest lines over [start, end] and the (seizure_id, shipment_id) links.

    A share of the seizures at ports each get exactly one line (see linking.select_linked: capped
    at linking.MAX_LINKED_SHARE of ``n``, a deterministic subset); the remainder is background
    traffic plus a small share of never-seized illicit rows carrying the patterns in the package
    docstring.
    """
    report = progress or (lambda _rows: None)
    if ingested_at.tzinfo is not None:
        ingested_at = ingested_at.astimezone(UTC).replace(tzinfo=None)
    _, hts = declared_texts()
    linked = select_linked(seizures, rng, n)
    ctx = build_context(n, linked)
    days = day_range(start, end)
    cdfs = {True: day_cdf(days, True), False: day_cdf(days, False)}

    parts = [linked_rows(ctx, rng, linked)]
    made = linked.height
    report(made)
    hidden = hidden_count(n, linked.height)
    parts.append(hidden_rows(ctx, rng, hidden, days, cdfs))
    made += hidden
    report(made)
    remaining = n - made
    while remaining > 0:
        size = min(BACKGROUND_CHUNK, remaining)
        parts.append(background_rows(ctx, rng, size, days, cdfs))
        remaining -= size
        made += size
        report(made)
    cols = concat_columns(parts)
    del parts
    cols["upper"] = rng.random(n) < UPPERCASE_RATE
    cols["entry"] = entry_types(cols)
    cols["examined"] = examine(rng, cols, hts, n)
    cols["outcome"] = np.where(cols["seizure"] >= 0, 2, np.where(cols["examined"], 1, 0)).astype(
        np.int8
    )
    shipments = assemble(cols, ctx, linked["seizure_id"].to_list(), batch_id, ingested_at)
    links = shipments.filter(pl.col("seizure_id").is_not_null()).select("seizure_id", "shipment_id")
    return shipments, links
