"""Synthetic manifest lines ("shipments") at U.S. ports, some of which carried a seizure.

No public manifest data exists at line level, so every row here is modelled. The generator aims at
what a targeting page and an analyst need to see, not at any real importer:

* **Skew.** A few ports, HTS lines, shippers and consignees dominate (Zipf-like draws). Most rows
  are the de minimis parcel stream (express consignment and international mail); air cargo, sea
  containers and land trucks (a little rail) make up the rest. A row's mode always fits its port
  type: ecf -> express, imf -> mail, air -> air_cargo, sea -> sea_container, land -> land_truck or
  land_rail. The reference has no IMF port codes (IMFs work under their host airport's code, see
  data/reference/SOURCES.md), so mail arrives at the five IMF host airports.
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

Links: every seizure by mail or express with a port, about 40 % of those by air cargo, sea
container or land truck (90 % for precursors and equipment) gets exactly one shipment that matches
its port, mode, day, countries and de minimis flag.

Everything is drawn from the one ``numpy.random.Generator`` passed in, in a fixed order; strings
are built with polars expressions over integer columns, so 5 million rows take seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

import numpy as np
import polars as pl

from ingest.contract import ENTRY_TYPES, OUTCOMES, conform
from queries import reference

HTS_FILE = "hts_codes.csv"
DAY_US = 86_400_000_000
EPOCH = np.datetime64("1970-01-01", "D")

# fmt: off
MODES = ("express", "mail", "air_cargo", "sea_container", "land_truck", "land_rail")
M_EXPRESS, M_MAIL, M_AIR, M_SEA, M_TRUCK, M_RAIL = range(len(MODES))
PARCEL_MODES = (M_EXPRESS, M_MAIL)
LINKABLE_MODES = ("mail", "express", "air_cargo", "sea_container", "land_truck")
PORT_TYPES_OF_MODE = {
    "express": ("ecf",),
    "mail": ("imf", "air"),  # air only for the IMF host airports
    "air_cargo": ("air",),
    "sea_container": ("sea",),
    "land_truck": ("land",),
    "land_rail": ("land",),
}

# Background traffic by mode, share of rows (de minimis parcels dominate by count).
MODE_SHARE = (0.50, 0.22, 0.12, 0.09, 0.065, 0.005)
# Host airports of the five international mail facilities (USPS OIG), used when ports.csv has no
# imf rows of its own.
MAIL_HOST_PORTS = ("4701", "3901", "2720", "2801", "5206")
# Rank order of ports by volume for each mode: the head of a Zipf curve. Ports missing here follow
# in code order; ports missing from ports.csv are skipped.
PORT_PREFERENCE: dict[str, tuple[str, ...]] = {
    "express": (
        "4196",
        "2095",
        "4197",
        "4772",
        "4770",
        "2770",
        "5271",
        "4198",
        "2795",
        "4670",
        "2895",
        "3095",
        "2991",
    ),
    "mail": MAIL_HOST_PORTS,
    "air_cargo": (
        "5206",
        "3901",
        "2720",
        "4701",
        "5501",
        "1704",
        "5309",
        "2801",
        "3029",
        "5401",
        "1108",
    ),
    "sea_container": (
        "2704",
        "2709",
        "4601",
        "1703",
        "5301",
        "3002",
        "3001",
        "1601",
        "1401",
        "2811",
        "1303",
        "5201",
        "5203",
        "2002",
        "1101",
    ),
    "land_truck": (
        "2304",
        "3801",
        "2506",
        "0901",
        "2402",
        "3802",
        "2305",
        "2604",
        "0712",
        "3004",
        "2408",
        "2507",
        "2303",
        "2301",
        "3310",
        "3401",
        "2401",
        "3009",
        "2302",
        "0708",
        "3403",
        "2608",
    ),
    "land_rail": (
        "2304",
        "3801",
        "2303",
        "3802",
        "2402",
        "0901",
        "2604",
        "3004",
        "2301",
        "3604",
        "3403",
        "3402",
        "3310",
        "0712",
        "2503",
    ),
}
RAIL_ONLY_LISTED = True  # rail crosses at a handful of ports only
PORT_ZIPF = {"express": 0.9, "mail": 1.0, "air_cargo": 1.0, "sea_container": 1.0,
             "land_truck": 1.2, "land_rail": 1.0}
EMERGING_PORT_PREFERENCE = ("4198", "2795", "2895")
EMERGING_ORIGIN, EMERGING_TRANSIT = "CN", "VN"
EMERGING_FROM_FY = 2025
EMERGING_MONTHLY_GROWTH = 0.15

# Volume index by fiscal year (anchored at the middle of the year, interpolated in log space).
PARCEL_VOLUME = {2018: 0.41, 2019: 0.50, 2020: 0.64, 2021: 0.77, 2022: 0.69, 2023: 1.00,
                 2024: 1.36, 2025: 1.42, 2026: 1.45}
CARGO_VOLUME = {2018: 0.98, 2019: 1.0, 2020: 0.93, 2021: 1.12, 2022: 1.15, 2023: 1.04,
                2024: 1.10, 2025: 1.12, 2026: 1.12}
WEEKDAY_PARCEL = (1.12, 1.18, 1.15, 1.10, 1.05, 0.78, 0.62)  # Monday first
WEEKDAY_CARGO = (1.18, 1.18, 1.16, 1.14, 1.10, 0.70, 0.54)
MONTH_PARCEL = (0.88, 0.85, 0.97, 0.97, 0.98, 0.98, 1.0, 1.0, 1.0, 1.05, 1.22, 1.20)
MONTH_CARGO = (0.95, 0.90, 0.98, 1.0, 1.0, 1.02, 1.04, 1.05, 1.08, 1.08, 1.0, 0.95)

# Mode x HTS chapter affinity for cargo: trucks from Mexico carry produce and auto parts, air
# carries pharmaceuticals, flowers and jewelry, containers carry furniture and consumer goods.
CHAPTER_AFFINITY: dict[int, dict[str, float]] = {
    M_AIR: {"30": 5, "90": 3, "85": 2, "71": 4, "06": 6, "84": 1.2, "08": 0.05, "94": 0.1,
            "73": 0.2, "40": 0.2, "87": 0.6, "69": 0.2, "39": 0.3},
    M_SEA: {"94": 3, "73": 2, "40": 2, "39": 2, "69": 2, "85": 1.2, "87": 1.5, "61": 2, "64": 2,
            "95": 2, "08": 0.1, "06": 0.01, "71": 0.05, "30": 0.5, "90": 0.5},
    M_TRUCK: {"08": 6, "06": 0.5, "87": 3, "85": 1.5, "94": 2, "73": 2, "39": 1.5, "40": 1.5,
              "84": 1.2, "30": 0.5, "71": 0.05, "90": 0.8},
    M_RAIL: {"87": 6, "73": 4, "40": 2, "39": 2, "94": 1, "08": 0.5, "85": 0.5, "71": 0.0,
             "30": 0.1, "90": 0.1, "06": 0.0, "61": 0.3, "64": 0.3, "95": 0.5},
}
# Weight of a cargo consignment relative to a line's median, by mode.
MODE_WEIGHT = {M_AIR: 0.3, M_SEA: 2.0, M_TRUCK: 1.0, M_RAIL: 3.0}
BOTH_LINE_CARGO_KG = 1500.0  # median cargo lot of a line whose weight_kg_median is per parcel

Weights = dict[str, float]
ORIGIN_PARCEL: Weights = {
    "CN": 0.62, "HK": 0.06, "IN": 0.03, "VN": 0.03, "GB": 0.03, "CA": 0.025, "DE": 0.025,
    "KR": 0.025, "JP": 0.025, "TW": 0.02, "TR": 0.015, "MX": 0.015, "TH": 0.01, "FR": 0.01,
    "IT": 0.01, "AU": 0.01, "PK": 0.008, "ID": 0.007, "MY": 0.007, "NL": 0.006, "ES": 0.006,
    "BD": 0.005, "PH": 0.005, "IL": 0.005, "SG": 0.005,
}
ORIGIN_AIR: Weights = {
    "CN": 0.22, "HK": 0.07, "DE": 0.07, "JP": 0.06, "KR": 0.06, "TW": 0.05, "GB": 0.05,
    "IN": 0.05, "FR": 0.04, "IT": 0.04, "CH": 0.04, "IE": 0.03, "NL": 0.03, "SG": 0.03,
    "VN": 0.03, "CO": 0.03, "EC": 0.02, "IL": 0.02, "MX": 0.02, "BR": 0.02, "TH": 0.02,
    "MY": 0.02,
}
ORIGIN_SEA: Weights = {
    "CN": 0.36, "VN": 0.09, "IN": 0.05, "KR": 0.05, "JP": 0.05, "TW": 0.04, "DE": 0.05,
    "IT": 0.04, "TH": 0.03, "MY": 0.03, "ID": 0.03, "BR": 0.02, "NL": 0.02, "BE": 0.02,
    "ES": 0.02, "TR": 0.02, "MX": 0.02, "CL": 0.02, "GB": 0.02, "BD": 0.02, "KH": 0.02,
}
ORIGIN_LAND_OTHER: Weights = {"CN": 0.4, "JP": 0.2, "KR": 0.2, "DE": 0.2}
LAND_HOME_SHARE = 0.96  # trucks at a southwest port come from MX, at a northern port from CA
TRANSIT_PARCEL: Weights = {"HK": 0.35, "KR": 0.15, "NL": 0.12, "DE": 0.12, "AE": 0.12,
                           "SG": 0.08, "JP": 0.06}
TRANSIT_CARGO: Weights = {"MX": 0.25, "NL": 0.2, "DE": 0.15, "AE": 0.15, "PA": 0.1, "SG": 0.1,
                          "HK": 0.05}
CONSOLIDATION_SHARE = {M_EXPRESS: 0.07, M_MAIL: 0.05, M_AIR: 0.05, M_SEA: 0.05}

CARRIERS_EXPRESS: Weights = {"DHL Express": 0.34, "FedEx": 0.33, "UPS": 0.28, "SF Express": 0.03,
                             "Aramex": 0.02}
CARRIER_MAIL = "USPS international mail"
CARRIERS_AIR: Weights = {
    "Cathay Cargo": 0.1, "Korean Air Cargo": 0.1, "China Airlines Cargo": 0.08, "Atlas Air": 0.1,
    "Lufthansa Cargo": 0.08, "Emirates SkyCargo": 0.07, "Qatar Airways Cargo": 0.07,
    "Cargolux": 0.07, "Kalitta Air": 0.06, "China Southern Airlines Cargo": 0.06,
    "Polar Air Cargo": 0.06, "LATAM Cargo": 0.05,
}
CARRIERS_SEA: Weights = {
    "MSC": 0.18, "Maersk": 0.17, "CMA CGM": 0.13, "COSCO Shipping": 0.12, "Hapag-Lloyd": 0.08,
    "ONE": 0.08, "Evergreen": 0.08, "ZIM": 0.06, "HMM": 0.05, "Yang Ming": 0.05,
}
CARRIERS_TRUCK_SW: Weights = {
    "Werner Enterprises": 0.16, "Schneider": 0.14, "J.B. Hunt": 0.14, "Knight-Swift": 0.14,
    "Landstar": 0.12, "Grupo Traxion": 0.12, "Transportes Castores": 0.1, "Estafeta": 0.08,
}
CARRIERS_TRUCK_N: Weights = {
    "TransX": 0.16, "Bison Transport": 0.16, "Day & Ross": 0.14, "Manitoulin Transport": 0.12,
    "Challenger Motor Freight": 0.12, "Werner Enterprises": 0.1, "Schneider": 0.1,
    "Purolator Freight": 0.1,
}
CARRIERS_RAIL_SW: Weights = {"Union Pacific": 0.5, "CPKC": 0.3, "BNSF": 0.2}
CARRIERS_RAIL_N: Weights = {"Canadian National Railway": 0.45, "CPKC": 0.4, "BNSF": 0.1,
                            "CSX": 0.05}
HUB_CARRIER_SHARE = 0.88  # an express hub mostly handles its own integrator's parcels

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark",
    "Sandra", "Jose", "Maria", "Luis", "Ana", "Wei", "Mei", "Minh", "Priya", "Raj", "Aisha",
    "Carlos", "Sofia", "Kevin", "Emily", "Brian", "Ashley", "Jason", "Amanda", "Tyler", "Megan",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Chen", "Patel",
)
COMPANY_HEADS = (
    "Pacific", "Summit", "Bright Star", "Golden Gate", "Evergreen", "Liberty", "Pioneer",
    "Horizon", "Blue Ridge", "Lone Star", "Great Lakes", "Silver Line", "Eagle", "Keystone",
    "Coastal", "Redwood", "Atlas", "Northstar", "Sunrise", "Prime", "Apex", "Cardinal", "Harbor",
    "Metro", "United", "Frontier", "Crescent", "Granite", "Riverside", "Westfield",
)
COMPANY_TRADES = (
    "Trading", "Imports", "Supply", "Distribution", "Logistics", "Wholesale", "Industries",
    "Enterprises", "Retail", "Goods", "Electronics", "Apparel", "Home", "Auto Parts", "Foods",
)
COMPANY_FORMS = ("LLC", "Inc.", "Corp.", "Co.", "Group", "LLC", "Inc.", "Ltd.")
PLACEHOLDER_NAMES = (
    "John Doe", "Test Test", "N/A", "Customer", "Unknown", "Mickey Mouse", "Present", "Jane Doe",
    "XXX", "Consignee",
)
PLACEHOLDER_RATE_BACKGROUND = {"parcel": 0.0025, "cargo": 0.0005}
PLACEHOLDER_RATE_ILLICIT = 0.18
# Phrases CBP and DEA officials cite as junk declarations; some honest filers use them too.
VAGUE_TEXTS = (
    "organic chemical", "sample", "industrial raw material", "daily necessities", "gift",
    "freight of all kinds", "9", "chemical product", "raw material", "intermediate", "reagent",
    "cosmetic raw material", "food additive", "household goods", "samples no commercial value",
    "accessories",
)
VAGUE_RATE_BACKGROUND = {"parcel": 0.015, "cargo": 0.004}
MACHINE_DISGUISES = (
    "candy making machine", "food processing machine", "machine parts", "sugar press machine",
    "pellet machine", "mold", "metal parts", "hardware accessories",
)
# Texts that name a machine needing a DEA Form 452 transaction id.
DEA_MACHINE_TEXTS = (
    "rotary tablet press", "single punch tablet press", "tablet compression machine",
    "capsule filling machine", "semi-automatic capsule filler",
)
DEA_ID_RATE_LEGIT = 0.92

# Declared texts per HTS line: what filers write, with variants.
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "6109.10.0012": ("men's cotton t-shirt", "t-shirt", "cotton tee shirt", "graphic tee"),
    "6110.20.2079": ("cotton sweatshirt", "hoodie", "pullover sweater", "crew neck sweatshirt"),
    "6104.43.2010": ("women's dress", "polyester knit dress", "ladies maxi dress", "summer dress"),
    "6114.30.3070": ("women's top", "yoga set", "polyester knit garment", "leggings"),
    "6204.62.4011": ("women's jeans", "denim trousers", "ladies denim shorts"),
    "6212.10.9020": ("bra", "women's brassiere", "sports bra"),
    "6115.95.9000": ("cotton socks", "socks", "ankle socks 6 pairs"),
    "6117.80.9540": ("hair accessories", "headband", "knitted scarf"),
    "6404.19.3960": ("sneakers", "canvas shoes", "running shoes", "slip-on shoes"),
    "6402.99.4060": ("slippers", "sandals", "rubber shoes", "eva slides"),
    "4202.92.3131": ("backpack", "travel bag", "gym bag", "nylon handbag"),
    "4202.31.6000": ("leather wallet", "card holder", "leather coin purse"),
    "7117.19.9000": ("fashion jewelry", "necklace", "earrings", "alloy bracelet", "ring"),
    "9004.10.0000": ("sunglasses", "polarized sunglasses", "fashion sunglasses"),
    "6506.10.6060": ("bicycle helmet", "helmet", "ski helmet"),
    "8517.13.0000": ("smartphone", "mobile phone", "cell phone", "refurbished smartphone"),
    "8517.62.0090": ("bluetooth adapter", "wifi router", "smart watch", "wireless module"),
    "8518.30.2000": ("wireless earbuds", "bluetooth headphones", "earphones", "gaming headset"),
    "8504.40.9580": ("phone charger", "usb charger", "power adapter", "wall charger"),
    "8544.42.9090": ("usb cable", "charging cable", "hdmi cable", "data cable"),
    "8507.60.0020": ("power bank", "lithium battery", "rechargeable battery pack"),
    "8471.30.0100": ("laptop", "tablet computer", "notebook computer"),
    "8473.30.5100": ("keyboard", "computer mouse", "laptop parts", "ssd enclosure"),
    "8523.51.0000": ("usb flash drive", "memory card", "sd card"),
    "8516.31.0000": ("hair dryer", "hair styling tool", "blow dryer"),
    "8513.10.4000": ("flashlight", "led torch", "headlamp"),
    "3304.99.5000": ("skin care cream", "face mask sheets", "cosmetics", "serum", "lotion"),
    "3304.20.0000": ("eyeliner", "mascara", "eyeshadow palette"),
    "3305.90.0000": ("hair oil", "hair mask", "hair wax"),
    "9503.00.0090": ("toy", "plastic toy", "plush toy", "building blocks", "toy car"),
    "9503.00.0073": ("children's toy", "educational toy", "puzzle", "doll"),
    "9504.50.0000": ("game console", "handheld game console", "retro game console"),
    "9506.91.0030": ("resistance bands", "yoga mat", "exercise equipment", "dumbbells"),
    "3926.90.9985": ("plastic parts", "phone case", "plastic storage box", "phone holder"),
    "3924.10.4000": ("plastic kitchenware", "food container", "plastic cups"),
    "7323.93.0080": ("stainless steel cup", "kitchen utensils", "water bottle"),
    "6912.00.4810": ("ceramic bowl", "ceramic plate", "tableware"),
    "6307.90.9891": ("face mask", "textile accessories", "car seat cover", "tote bag"),
    "2106.90.9998": (
        "dietary supplement",
        "vitamin gummies",
        "protein powder",
        "herbal supplement",
    ),
    "0902.10.9050": ("green tea", "tea", "loose leaf tea"),
    "2942.00.5000": ("organic compound", "chemical intermediate", "research chemical"),
    "3824.99.9297": ("chemical preparation", "industrial chemical", "additive", "cleaning agent"),
    "2921.42.9000": ("aniline derivative", "dye intermediate", "chemical intermediate"),
    "2934.99.9050": ("heterocyclic compound", "pharmaceutical intermediate", "api intermediate"),
    "2933.39.9100": ("piperidine derivative", "pyridine compound", "pharmaceutical intermediate"),
    "2933.36.0000": ("anpp analytical reference standard", "4-anpp reference material"),
    "2933.37.0000": ("n-phenethyl-4-piperidone", "npp reference standard"),
    "2914.31.0000": ("phenylacetone", "p2p reference standard"),
    "2915.90.1800": ("propionyl chloride", "acyl chloride", "carboxylic acid derivative"),
    "2921.11.0000": ("methylamine solution", "methylamine hydrochloride", "monomethylamine 40%"),
    "2939.41.0000": ("ephedrine hydrochloride", "ephedrine sulfate usp"),
    "2939.42.0000": ("pseudoephedrine hydrochloride", "pseudoephedrine sulfate"),
    "8479.89.9499": (
        "rotary tablet press",
        "single punch tablet press",
        "tablet compression machine",
        "industrial mixer",
        "ultrasonic cleaner",
        "automatic labeling machine",
        "mixing machine",
    ),
    "8422.30.9100": (
        "capsule filling machine",
        "semi-automatic capsule filler",
        "bottle filling machine",
        "capping machine",
        "sealing machine",
    ),
    "8207.30.6062": ("punch and die set", "stamping die", "press tooling", "tablet die set"),
    "8479.90.9496": ("machine parts", "spare parts", "press parts", "feeder assembly", "turret"),
    "8708.99.8180": ("auto parts", "automotive parts", "vehicle accessories", "suspension parts"),
    "8708.29.5160": ("body parts", "bumper", "car door panels"),
    "8708.30.5090": ("brake pads", "brake parts", "brake rotors"),
    "4011.10.1010": ("passenger car tires", "radial tires", "tyres"),
    "4016.99.6050": ("rubber parts", "rubber gaskets", "rubber seals"),
    "8471.50.0150": ("servers", "computer servers", "data processing units"),
    "8528.72.6400": ("led tv", "flat panel televisions", "smart tv"),
    "8542.31.0000": ("integrated circuits", "microcontrollers", "processors"),
    "8481.80.9050": ("valves", "ball valves", "faucets"),
    "8414.51.3000": ("electric fans", "ceiling fans", "pedestal fans"),
    "9403.60.8081": ("wooden furniture", "furniture", "bedroom furniture", "wooden cabinets"),
    "9401.61.6011": ("upholstered chairs", "sofa", "dining chairs"),
    "7308.90.9590": ("steel structures", "fabricated steel beams", "scaffolding"),
    "7326.90.8688": ("steel articles", "metal hardware", "steel brackets"),
    "3004.90.9290": ("pharmaceuticals", "medicaments", "finished dosage tablets"),
    "9018.90.8000": ("medical instruments", "medical devices", "surgical instruments"),
    "0804.40.0010": ("fresh avocados", "hass avocados"),
    "0603.11.0060": ("fresh cut roses", "fresh flowers", "roses"),
    "3923.21.0095": ("plastic bags", "polyethylene bags", "shopping bags"),
    "3923.10.0000": ("plastic boxes", "plastic crates", "plastic cases"),
    "7113.19.5000": ("gold jewelry", "jewelry", "14k gold chains"),
    "6912.00.4400": ("ceramic mugs", "coffee mugs", "mugs"),
}
UPPERCASE_RATE = 0.2  # many filers type in capitals

# Cover declarations of illicit rows: (HTS line, weight).
CHEMICAL_COVER: Weights = {"2942.00.5000": 0.35, "3824.99.9297": 0.35, "2921.42.9000": 0.15,
                           "2934.99.9050": 0.15}
CONSUMER_COVER: Weights = {"3304.99.5000": 0.3, "2106.90.9998": 0.3, "3926.90.9985": 0.2,
                           "6307.90.9891": 0.2}
PRECURSOR_LINES: Weights = {"2933.39.9100": 0.6, "2933.37.0000": 0.2, "2933.36.0000": 0.2}
PRESS_LINE, CAPSULE_LINE, DIE_LINE, PARTS_LINE = (
    "8479.89.9499", "8422.30.9100", "8207.30.6062", "8479.90.9496",
)

# Hidden (never seized) illicit rows: share of rows, and how they split across the patterns.
HIDDEN_PER_LINKED = 0.6
HIDDEN_MIN_SHARE, HIDDEN_MAX_SHARE = 0.001, 0.004
HIDDEN_SPLIT = {"precursor": 0.30, "carton": 0.30, "emerging": 0.20, "press": 0.06, "drug": 0.14}
MISSED_PER_LINKED = 0.11  # examined-but-cleared illicit rows per seized row
EXAMINED_SHARE = 0.03
MAX_LINKED_SHARE = 0.7
LINK_SHARE_CARGO = 0.4
LINK_SHARE_CARGO_CHEMICAL = 0.9
LBS_TO_KG = 0.45359237
# fmt: on


@dataclass(frozen=True)
class HtsTable:
    """hts_codes.csv as arrays, plus the flat table of declared texts."""

    code: np.ndarray  # object
    chapter: np.ndarray  # object, two digits
    vpk_median: np.ndarray
    vpk_sigma: np.ndarray
    w_median: np.ndarray
    w_sigma: np.ndarray
    share: np.ndarray
    channel: np.ndarray  # object
    watchlist: np.ndarray  # object, "" when none
    text_start: np.ndarray  # first variant of each line in TEXTS
    text_count: np.ndarray
    index: dict[str, int]


@cache
def hts_table() -> pl.DataFrame:
    """The HTS lines the generator declares (data/reference/hts_codes.csv)."""
    return pl.read_csv(
        reference.REFERENCE_DIR / HTS_FILE,
        schema_overrides={"hts_code": pl.Utf8, "chapter": pl.Utf8, "watchlist": pl.Utf8},
    ).with_columns(pl.col("chapter").str.zfill(2), pl.col("watchlist").fill_null(""))


@cache
def _texts() -> tuple[tuple[str, ...], HtsTable]:
    """All declared texts in one tuple (line variants, then vague and disguise lexicons)."""
    frame = hts_table()
    codes = frame["hts_code"].to_list()
    texts: list[str] = []
    starts, counts = [], []
    for code in codes:
        variants = DESCRIPTIONS[code]
        starts.append(len(texts))
        counts.append(len(variants))
        texts.extend(variants)
    texts.extend(VAGUE_TEXTS)
    texts.extend(MACHINE_DISGUISES)
    table = HtsTable(
        code=np.array(codes, dtype=object),
        chapter=frame["chapter"].to_numpy().astype(object),
        vpk_median=frame["value_per_kg_median"].to_numpy().astype(float),
        vpk_sigma=frame["value_per_kg_sigma"].to_numpy().astype(float),
        w_median=frame["weight_kg_median"].to_numpy().astype(float),
        w_sigma=frame["weight_kg_sigma"].to_numpy().astype(float),
        share=frame["share"].to_numpy().astype(float),
        channel=frame["channel"].to_numpy().astype(object),
        watchlist=frame["watchlist"].to_numpy().astype(object),
        text_start=np.array(starts, dtype=np.int32),
        text_count=np.array(counts, dtype=np.int32),
        index={c: i for i, c in enumerate(codes)},
    )
    return tuple(texts), table


def _vague_start() -> int:
    texts, _ = _texts()
    return len(texts) - len(VAGUE_TEXTS) - len(MACHINE_DISGUISES)


def _disguise_start() -> int:
    texts, _ = _texts()
    return len(texts) - len(MACHINE_DISGUISES)


def _needs_dea(text: np.ndarray) -> np.ndarray:
    """Rows whose text names a tableting or encapsulating machine (DEA Form 452 territory)."""
    texts, _ = _texts()
    return np.isin(text, [texts.index(label) for label in DEA_MACHINE_TEXTS])


# --------------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, weights: Weights, size: int) -> np.ndarray:
    """Indices into list(weights) drawn by weight."""
    p = np.fromiter(weights.values(), dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _zipf_rank(rng: np.random.Generator, pool: np.ndarray | int, size: int, s: float) -> np.ndarray:
    """0-based ranks in [0, pool) with P(rank r) roughly proportional to (r + 1) ** -s."""
    pool_f = np.asarray(pool, dtype=float)
    a = 1.0 - s
    top = (pool_f + 1.0) ** a - 1.0
    x = (1.0 + rng.random(size) * top) ** (1.0 / a)
    return np.minimum(np.floor(x).astype(np.int64) - 1, np.asarray(pool, dtype=np.int64) - 1)


def _bijection(x: np.ndarray, total: int, salt: int) -> np.ndarray:
    """A fixed permutation of 0..total-1, so rank 0 does not get id 1 (no Python hash())."""
    multiplier = 2_654_435_761 + 2 * salt
    while math.gcd(multiplier, total) != 1:
        multiplier += 2
    return (x.astype(np.int64) * (multiplier % total) + 7919 * salt) % total


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(len(median)))


def _days(start: date, end: date) -> np.ndarray:
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)


def _fiscal_position(days: np.ndarray) -> np.ndarray:
    """Fractional calendar year; the middle of fiscal year Y (1 April Y) is Y + 0.25."""
    return 2018.75 + (days - np.datetime64("2018-10-01", "D")).astype(np.int64) / 365.25


def _day_cdf(days: np.ndarray, parcel: bool) -> np.ndarray:
    volume = PARCEL_VOLUME if parcel else CARGO_VOLUME
    years = np.array(sorted(volume), dtype=float)
    level = np.exp(
        np.interp(_fiscal_position(days), years + 0.25, np.log([volume[int(y)] for y in years]))
    )
    weekday = ((days - EPOCH).astype(np.int64) + 3) % 7
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    w = level * np.asarray(WEEKDAY_PARCEL if parcel else WEEKDAY_CARGO)[weekday]
    w = w * np.asarray(MONTH_PARCEL if parcel else MONTH_CARGO)[month]
    cdf = np.cumsum(w)
    return cdf / cdf[-1]


def _sample_times(rng: np.random.Generator, days: np.ndarray, cdf: np.ndarray, size: int):
    """Microseconds since the epoch: a day by the CDF, then a uniform time of day."""
    day = np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(days) - 1)
    base = (days[day] - EPOCH).astype(np.int64) * DAY_US
    return base + rng.integers(0, DAY_US, size)


# --------------------------------------------------------------------------------------------
# Context: ports, countries, carriers, party pools
# --------------------------------------------------------------------------------------------


@dataclass
class _Context:
    codes: list[str]
    areas: list[str]
    port_index: dict[str, int]
    border: np.ndarray  # 0 none, 1 southwest, 2 northern
    hub_carrier: np.ndarray  # carrier index of an express hub's integrator, -1 if none
    pools: dict[int, tuple[np.ndarray, np.ndarray]]  # mode -> (port indices, probabilities)
    emerging_port: int
    countries: list[str]
    country_index: dict[str, int]
    carriers: list[str]
    carrier_index: dict[str, int]
    shipper_pool: np.ndarray  # [group, country] -> pool size
    shipper_offset: np.ndarray
    shipper_total: int
    parcel_consignees: int
    cargo_consignees: int


def _port_pool(ports: pl.DataFrame, mode: str) -> list[str]:
    kinds = PORT_TYPES_OF_MODE[mode]
    rows = ports.filter(pl.col("port_type").is_in(list(kinds)))
    if mode == "mail":
        imf = rows.filter(pl.col("port_type") == "imf")
        rows = imf if imf.height else rows.filter(pl.col("port_code").is_in(MAIL_HOST_PORTS))
    codes = sorted(rows["port_code"].to_list())
    # "4701" also names the JFK mail facility "4701-IMF" when ports.csv lists it separately.
    preferred = [c for p in PORT_PREFERENCE.get(mode, ()) for c in codes if c.split("-")[0] == p]
    preferred = list(dict.fromkeys(preferred))
    if mode == "land_rail" and RAIL_ONLY_LISTED and preferred:
        return preferred
    return preferred + [c for c in codes if c not in preferred]


def _context(n: int, linked: pl.DataFrame) -> _Context:
    ports = reference.ports()
    codes = ports["port_code"].to_list()
    areas = ports["area_id"].to_list()
    borders = ports["border"].fill_null("").to_list()
    names = ports["name"].to_list()
    extra = (
        linked.filter(~pl.col("port_code").is_in(codes))
        .unique("port_code", keep="first", maintain_order=True)
        .sort("port_code")
    )
    codes += extra["port_code"].to_list()
    areas += extra["area_id"].to_list()
    borders += [""] * extra.height
    names += [""] * extra.height
    border = np.array([{"US-Mexico": 1, "US-Canada": 2}.get(b, 0) for b in borders], np.int8)

    carriers: list[str] = [CARRIER_MAIL]
    for table in (CARRIERS_EXPRESS, CARRIERS_AIR, CARRIERS_SEA, CARRIERS_TRUCK_SW,
                  CARRIERS_TRUCK_N, CARRIERS_RAIL_SW, CARRIERS_RAIL_N):  # fmt: skip
        carriers += [c for c in table if c not in carriers]
    carrier_index = {c: i for i, c in enumerate(carriers)}
    hub = np.full(len(codes), -1, dtype=np.int16)
    for i, name in enumerate(names):
        for brand, carrier in (("DHL", "DHL Express"), ("FedEx", "FedEx"), ("UPS", "UPS")):
            if brand in name:
                hub[i] = carrier_index[carrier]

    port_index = {c: i for i, c in enumerate(codes)}
    pools = {}
    for m, mode in enumerate(MODES):
        pool = _port_pool(ports, mode)
        ranks = np.arange(1, len(pool) + 1, dtype=float)
        w = ranks ** -PORT_ZIPF[mode]
        pools[m] = (np.array([port_index[c] for c in pool], dtype=np.int32), w / w.sum())
    express = [codes[i] for i in pools[M_EXPRESS][0]]
    emerging = next((c for c in EMERGING_PORT_PREFERENCE if c in express), None)
    if emerging is None and express:
        emerging = express[min(4, len(express) - 1)]
    countries = sorted(
        set(ORIGIN_PARCEL) | set(ORIGIN_AIR) | set(ORIGIN_SEA) | set(ORIGIN_LAND_OTHER)
        | set(TRANSIT_PARCEL) | set(TRANSIT_CARGO) | {"MX", "CA", "US", EMERGING_TRANSIT}
        | set(linked["source_country"].drop_nulls().to_list())
        | set(linked["transit_country"].drop_nulls().to_list())
    )  # fmt: skip
    country_index = {c: i for i, c in enumerate(countries)}

    # Shipper pools per (group, country): parcel, air, sea, land. A pool holds about one shipper
    # per 25 expected rows, so heavy shippers repeat thousands of times and most appear rarely.
    groups = (
        (ORIGIN_PARCEL, n * (MODE_SHARE[0] + MODE_SHARE[1])),
        (ORIGIN_AIR, n * MODE_SHARE[2]),
        (ORIGIN_SEA, n * MODE_SHARE[3]),
        ({"MX": 0.55, "CA": 0.41, **{k: v * 0.04 for k, v in ORIGIN_LAND_OTHER.items()}},
         n * (MODE_SHARE[4] + MODE_SHARE[5])),
    )  # fmt: skip
    pool = np.full((len(groups), len(countries)), 20, dtype=np.int64)
    for g, (weights, rows) in enumerate(groups):
        total = sum(weights.values())
        for c, w in weights.items():
            pool[g, country_index[c]] = max(20, int(rows * w / total / 25))
    offset = np.concatenate([[0], np.cumsum(pool.ravel())[:-1]]).reshape(pool.shape)
    return _Context(
        codes=codes,
        areas=areas,
        port_index=port_index,
        border=border,
        hub_carrier=hub,
        pools=pools,
        emerging_port=port_index[emerging] if emerging else -1,
        countries=countries,
        country_index=country_index,
        carriers=carriers,
        carrier_index=carrier_index,
        shipper_pool=pool,
        shipper_offset=offset,
        shipper_total=int(pool.sum()),
        parcel_consignees=max(100, int(n * (MODE_SHARE[0] + MODE_SHARE[1]) / 3)),
        cargo_consignees=max(50, int(n * sum(MODE_SHARE[2:]) / 40)),
    )


def _country_codes(ctx: _Context, weights: Weights) -> np.ndarray:
    return np.array([ctx.country_index[c] for c in weights], dtype=np.int16)


def _countries_from(ctx: _Context, values: pl.Series) -> np.ndarray:
    """Country strings to indices (-1 for null)."""
    mapping = pl.DataFrame({"c": ctx.countries, "i": np.arange(len(ctx.countries))})
    joined = pl.DataFrame({"c": values}).join(mapping, on="c", how="left", maintain_order="left")
    return joined["i"].fill_null(-1).to_numpy().astype(np.int16)


def _group_of_mode(mode: np.ndarray) -> np.ndarray:
    return np.array([0, 0, 1, 2, 3, 3], dtype=np.int64)[mode]


def _shippers(ctx, rng, mode, origin, tail: np.ndarray | None = None) -> np.ndarray:
    """Shipper numbers: Zipf inside the (group, origin) pool; uniform for ``tail`` rows."""
    g = _group_of_mode(mode)
    c = np.maximum(origin, 0)
    size = ctx.shipper_pool[g, c]
    rank = _zipf_rank(rng, size, len(mode), 1.05)
    if tail is not None:
        uniform = np.floor(rng.random(len(mode)) * size).astype(np.int64)
        rank = np.where(tail, uniform, rank)
    return _bijection(ctx.shipper_offset[g, c] + rank, ctx.shipper_total, 1) + 1


def _consignees(ctx, rng, parcel: np.ndarray, tail: np.ndarray | None = None) -> np.ndarray:
    """Consignee numbers 0..: parcel consignees first, then cargo consignees."""
    size = np.where(parcel, ctx.parcel_consignees, ctx.cargo_consignees)
    rank = _zipf_rank(rng, size, len(parcel), np.where(parcel, 0.6, 0.9))
    if tail is not None:
        rank = np.where(tail, np.floor(rng.random(len(parcel)) * size).astype(np.int64), rank)
    return np.where(parcel, rank, ctx.parcel_consignees + rank)


def _addresses(ctx, rng, consignee: np.ndarray) -> np.ndarray:
    """Each consignee has a home address; one row in ten goes elsewhere."""
    total = ctx.parcel_consignees + ctx.cargo_consignees
    home = _bijection(consignee, total, 3)
    other = np.floor(rng.random(len(consignee)) * total).astype(np.int64)
    return np.where(rng.random(len(consignee)) < 0.1, other, home) + 1


def _carriers(ctx: _Context, rng, mode: np.ndarray, port: np.ndarray) -> np.ndarray:
    out = np.full(len(mode), ctx.carrier_index[CARRIER_MAIL], dtype=np.int16)
    border = ctx.border[port]
    tables = (
        (mode == M_EXPRESS, CARRIERS_EXPRESS),
        (mode == M_AIR, CARRIERS_AIR),
        (mode == M_SEA, CARRIERS_SEA),
        ((mode == M_TRUCK) & (border != 2), CARRIERS_TRUCK_SW),
        ((mode == M_TRUCK) & (border == 2), CARRIERS_TRUCK_N),
        ((mode == M_RAIL) & (border != 2), CARRIERS_RAIL_SW),
        ((mode == M_RAIL) & (border == 2), CARRIERS_RAIL_N),
    )
    for mask, table in tables:
        rows = np.flatnonzero(mask)
        names = np.array([ctx.carrier_index[c] for c in table], dtype=np.int16)
        out[rows] = names[_pick(rng, table, len(rows))]
    hub = ctx.hub_carrier[port]
    own = (mode == M_EXPRESS) & (hub >= 0) & (rng.random(len(mode)) < HUB_CARRIER_SHARE)
    return np.where(own, hub, out)


# --------------------------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------------------------


def _line_probabilities(hts: HtsTable, mode: int, benign: bool = False) -> np.ndarray:
    """How legitimate traffic of a mode spreads over HTS lines (``benign``: no watchlist)."""
    parcel = mode in PARCEL_MODES
    allowed = np.isin(hts.channel, ["de_minimis", "both"] if parcel else ["cargo", "both"])
    if benign:
        allowed &= hts.watchlist == ""
    affinity = CHAPTER_AFFINITY.get(mode, {})
    factor = np.array([affinity.get(ch, 1.0) for ch in hts.chapter])
    w = hts.share * allowed * factor
    return w / w.sum()


def _lines_by_code(hts: HtsTable, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
    idx = np.array([hts.index[c] for c in weights], dtype=np.int16)
    p = np.fromiter(weights.values(), dtype=float)
    return idx, p / p.sum()


def _variant(rng, hts: HtsTable, line: np.ndarray) -> np.ndarray:
    count = hts.text_count[line]
    return hts.text_start[line] + np.floor(rng.random(len(line)) * count).astype(np.int32)


def _vague(rng, size: int) -> np.ndarray:
    return _vague_start() + rng.integers(0, len(VAGUE_TEXTS), size).astype(np.int32)


def _weights_values(rng, hts: HtsTable, line: np.ndarray, mode: np.ndarray):
    """Declared weight (kg) and value (USD) from the line's lognormals, scaled for cargo."""
    parcel = np.isin(mode, PARCEL_MODES)
    cargo_line = hts.channel[line] == "cargo"
    scale = np.ones(len(line))
    for m, factor in MODE_WEIGHT.items():
        scale[mode == m] = factor
    median = np.where(parcel | cargo_line, hts.w_median[line], BOTH_LINE_CARGO_KG) * np.where(
        parcel, 1.0, scale
    )
    sigma = np.where(parcel | cargo_line, hts.w_sigma[line], 1.0)
    weight = np.maximum(_lognormal(rng, median, sigma), 0.02)
    vpk = _lognormal(rng, hts.vpk_median[line], hts.vpk_sigma[line])
    return weight, np.maximum(weight * vpk, 1.0)


# --------------------------------------------------------------------------------------------
# Segments: background traffic, hidden illicit rows, rows linked to seizures
# --------------------------------------------------------------------------------------------

COLUMNS = (
    "t", "port", "mode", "hts", "text", "value", "weight", "origin", "transit", "shipper",
    "consignee", "address", "placeholder", "carrier", "want86", "master", "preprinted", "dea",
    "illicit", "exam_rate", "seizure",
)  # fmt: skip


def _blank(size: int) -> dict[str, np.ndarray]:
    return {
        "transit": np.full(size, -1, dtype=np.int16),
        "placeholder": np.full(size, -1, dtype=np.int16),
        "master": np.zeros(size, dtype=bool),
        "preprinted": np.zeros(size, dtype=bool),
        "dea": np.full(size, -1, dtype=np.int64),
        "illicit": np.zeros(size, dtype=bool),
        "exam_rate": np.full(size, np.nan),
        "seizure": np.full(size, -1, dtype=np.int32),
    }


def _origins(ctx: _Context, rng, mode: np.ndarray, port: np.ndarray) -> np.ndarray:
    origin = np.zeros(len(mode), dtype=np.int16)
    for m, table in ((M_EXPRESS, ORIGIN_PARCEL), (M_MAIL, ORIGIN_PARCEL), (M_AIR, ORIGIN_AIR),
                     (M_SEA, ORIGIN_SEA)):  # fmt: skip
        rows = np.flatnonzero(mode == m)
        origin[rows] = _country_codes(ctx, table)[_pick(rng, table, len(rows))]
    land = np.flatnonzero(np.isin(mode, (M_TRUCK, M_RAIL)))
    home = np.where(ctx.border[port[land]] == 2, ctx.country_index["CA"], ctx.country_index["MX"])
    other = _country_codes(ctx, ORIGIN_LAND_OTHER)[_pick(rng, ORIGIN_LAND_OTHER, len(land))]
    origin[land] = np.where(rng.random(len(land)) < LAND_HOME_SHARE, home, other)
    return origin


def _transits(ctx: _Context, rng, mode, port, origin) -> np.ndarray:
    transit = np.full(len(mode), -1, dtype=np.int16)
    u = rng.random(len(mode))
    for m, share in CONSOLIDATION_SHARE.items():
        table = TRANSIT_PARCEL if m in PARCEL_MODES else TRANSIT_CARGO
        rows = np.flatnonzero((mode == m) & (u < share))
        transit[rows] = _country_codes(ctx, table)[_pick(rng, table, len(rows))]
    land = np.isin(mode, (M_TRUCK, M_RAIL))
    home = np.where(ctx.border[port] == 2, ctx.country_index["CA"], ctx.country_index["MX"])
    transit = np.where(land & (origin != home), home, transit)
    # A trickle of honest China -> Viet Nam consolidations, so the emerging route has a baseline.
    cn_vn = (mode == M_EXPRESS) & (origin == ctx.country_index["CN"]) & (u > 0.9998)
    transit = np.where(cn_vn, ctx.country_index[EMERGING_TRANSIT], transit)
    return np.where(transit == origin, -1, transit).astype(np.int16)


def _background(ctx: _Context, rng, size: int, days, cdfs) -> dict[str, np.ndarray]:
    _, hts = _texts()
    cols = _blank(size)
    p_mode = np.array(MODE_SHARE) * np.array([len(ctx.pools[m][0]) > 0 for m in range(6)])
    mode = rng.choice(len(MODES), size=size, p=p_mode / p_mode.sum()).astype(np.int8)
    port = np.zeros(size, dtype=np.int32)
    line = np.zeros(size, dtype=np.int16)
    for m in range(len(MODES)):
        rows = np.flatnonzero(mode == m)
        pool, p = ctx.pools[m]
        if len(rows) == 0:
            continue
        port[rows] = pool[rng.choice(len(pool), size=len(rows), p=p)]
        probs = _line_probabilities(hts, m)
        line[rows] = rng.choice(len(probs), size=len(rows), p=probs)
    parcel = np.isin(mode, PARCEL_MODES)
    t = np.zeros(size, dtype=np.int64)
    for is_parcel in (True, False):
        rows = np.flatnonzero(parcel == is_parcel)
        t[rows] = _sample_times(rng, days, cdfs[is_parcel], len(rows))
    origin = _origins(ctx, rng, mode, port)
    transit = _transits(ctx, rng, mode, port, origin)
    weight, value = _weights_values(rng, hts, line, mode)
    text = _variant(rng, hts, line)
    vague_rate = np.where(parcel, VAGUE_RATE_BACKGROUND["parcel"], VAGUE_RATE_BACKGROUND["cargo"])
    text = np.where(rng.random(size) < vague_rate, _vague(rng, size), text)
    consignee = _consignees(ctx, rng, parcel)
    placeholder_rate = np.where(
        parcel, PLACEHOLDER_RATE_BACKGROUND["parcel"], PLACEHOLDER_RATE_BACKGROUND["cargo"]
    )
    placeholder = np.where(
        rng.random(size) < placeholder_rate,
        rng.integers(0, len(PLACEHOLDER_NAMES), size),
        -1,
    ).astype(np.int16)
    master = ((mode == M_EXPRESS) & (rng.random(size) < 0.015)) | (
        (mode == M_MAIL) & (rng.random(size) < 0.003)
    )
    preprinted = parcel & (rng.random(size) < np.where(master, 0.03, 0.001))
    dea = np.where(
        _needs_dea(text) & (rng.random(size) < DEA_ID_RATE_LEGIT),
        rng.integers(10_000_000, 100_000_000, size),
        -1,
    )
    cols.update(
        t=t, port=port, mode=mode, hts=line, text=text.astype(np.int32), value=value,
        weight=weight, origin=origin, transit=transit,
        shipper=_shippers(ctx, rng, mode, origin), consignee=consignee,
        address=_addresses(ctx, rng, consignee), placeholder=placeholder,
        carrier=_carriers(ctx, rng, mode, port), want86=rng.random(size) < 0.97,
        master=master, preprinted=preprinted, dea=dea,
    )  # fmt: skip
    return cols


def _precursor_declarations(rng, hts: HtsTable, size: int):
    """HTS line and text for precursor-laden rows: benign chemical, consumer or vague cover."""
    chem_idx, chem_p = _lines_by_code(hts, CHEMICAL_COVER)
    cons_idx, cons_p = _lines_by_code(hts, CONSUMER_COVER)
    true_idx, true_p = _lines_by_code(hts, PRECURSOR_LINES)
    kind = rng.choice(3, size=size, p=[0.55, 0.25, 0.20])
    line = np.where(
        kind == 0,
        chem_idx[rng.choice(len(chem_p), size=size, p=chem_p)],
        np.where(
            kind == 1,
            cons_idx[rng.choice(len(cons_p), size=size, p=cons_p)],
            true_idx[rng.choice(len(true_p), size=size, p=true_p)],
        ),
    ).astype(np.int16)
    vague_p = np.array([0.5, 0.4, 0.7])[kind]
    text = np.where(rng.random(size) < vague_p, _vague(rng, size), _variant(rng, hts, line))
    return line, text.astype(np.int32)


def _machine_declarations(rng, hts: HtsTable, size: int, dies: np.ndarray):
    """Presses and capsule fillers (or die sets and parts where ``dies``), some disguised."""
    press, capsule = hts.index[PRESS_LINE], hts.index[CAPSULE_LINE]
    die, parts = hts.index[DIE_LINE], hts.index[PARTS_LINE]
    machine_line = np.where(rng.random(size) < 0.8, press, capsule)
    die_line = np.where(rng.random(size) < 0.6, die, parts)
    line = np.where(dies, die_line, machine_line).astype(np.int16)
    # Truthful machine texts are the first two or three variants of each machine line.
    truthful = hts.text_start[line] + np.floor(
        rng.random(size) * np.where(line == press, 3, 2)
    ).astype(np.int32)
    honest_die = _variant(rng, hts, line)
    disguise = _disguise_start() + rng.integers(0, len(MACHINE_DISGUISES), size)
    text = np.where(dies, honest_die, truthful)
    text = np.where(rng.random(size) < 0.35, disguise, text)
    return line, text.astype(np.int32)


def _consumer_declarations(rng, hts: HtsTable, mode: np.ndarray, vague_share: float):
    """A cover line drawn like legitimate traffic of the row's mode, some with vague texts."""
    line = np.zeros(len(mode), dtype=np.int16)
    for m in range(len(MODES)):
        rows = np.flatnonzero(mode == m)
        probs = _line_probabilities(hts, m, benign=True)
        line[rows] = rng.choice(len(probs), size=len(rows), p=probs)
    text = _variant(rng, hts, line)
    parcel = np.isin(mode, PARCEL_MODES)
    text = np.where(parcel & (rng.random(len(mode)) < vague_share), _vague(rng, len(mode)), text)
    return line, text.astype(np.int32)


def _pick_ports(ctx: _Context, rng, mode: np.ndarray) -> np.ndarray:
    port = np.zeros(len(mode), dtype=np.int32)
    for m in range(len(MODES)):
        rows = np.flatnonzero(mode == m)
        pool, p = ctx.pools[m]
        if len(rows) and len(pool):
            port[rows] = pool[rng.choice(len(pool), size=len(rows), p=p)]
    return port


def _illicit_parties(ctx, rng, cols: dict, size: int) -> None:
    parcel = np.isin(cols["mode"], PARCEL_MODES)
    tail = np.ones(size, dtype=bool)
    cols["shipper"] = _shippers(ctx, rng, cols["mode"], cols["origin"], tail)
    consignee = _consignees(ctx, rng, parcel, tail)
    cols["consignee"] = consignee
    cols["address"] = _addresses(ctx, rng, consignee)
    rate = np.where(parcel, PLACEHOLDER_RATE_ILLICIT, 0.03)
    cols["placeholder"] = np.where(
        rng.random(size) < rate, rng.integers(0, len(PLACEHOLDER_NAMES), size), -1
    ).astype(np.int16)
    cols["carrier"] = _carriers(ctx, rng, cols["mode"], cols["port"])


def _hidden(ctx: _Context, rng, size: int, days, cdfs) -> dict:
    """Illicit rows nobody seized: the planted patterns the targeting page should surface."""
    if size <= 0:
        return {}
    _, hts = _texts()
    split = dict(HIDDEN_SPLIT)
    emerging_start = max(np.datetime64(f"{EMERGING_FROM_FY - 1}-10-01", "D"), days[0])
    if emerging_start > days[-1] or ctx.emerging_port < 0:
        split["precursor"] += split.pop("emerging")
    names = list(split)
    counts = np.floor(np.array([split[k] for k in names]) * size).astype(int)
    counts[0] += size - counts.sum()
    parts = []
    for name, count in zip(names, counts, strict=True):
        if count <= 0:
            continue
        part = _blank(count)
        part["illicit"][:] = True
        if name == "carton":
            part.update(_carton_rows(ctx, rng, count, days, cdfs[True]))
        else:
            if name == "precursor":
                mode = rng.choice([M_EXPRESS, M_MAIL, M_AIR], size=count, p=[0.5, 0.3, 0.2])
            elif name == "press":
                mode = rng.choice([M_EXPRESS, M_AIR, M_SEA], size=count, p=[0.4, 0.4, 0.2])
            elif name == "drug":
                mode = rng.choice([M_EXPRESS, M_MAIL], size=count, p=[0.6, 0.4])
            else:
                mode = np.full(count, M_EXPRESS)
            mode = mode.astype(np.int8)
            part["mode"] = mode
            if name == "emerging":
                part["port"] = np.full(count, ctx.emerging_port, dtype=np.int32)
                sub = days[days >= emerging_start]
                months = (sub - emerging_start).astype(np.int64) / 30.44
                cdf = np.cumsum(np.exp(EMERGING_MONTHLY_GROWTH * months))
                part["t"] = _sample_times(rng, sub, cdf / cdf[-1], count)
                part["origin"] = np.full(count, ctx.country_index[EMERGING_ORIGIN], np.int16)
                part["transit"] = np.full(count, ctx.country_index[EMERGING_TRANSIT], np.int16)
                part["exam_rate"][:] = 0.3  # relative: a new route is rarely targeted
            else:
                part["port"] = _pick_ports(ctx, rng, mode)
                part["t"] = _sample_times(rng, days, cdfs[True], count)
                origins = {"CN": 0.85, "IN": 0.15} if name == "precursor" else (
                    {"CN": 0.9, "HK": 0.05, "IN": 0.05} if name == "press" else
                    {"CN": 0.3, "MX": 0.2, "IN": 0.2, "CA": 0.15, "NL": 0.15}
                )  # fmt: skip
                part["origin"] = _country_codes(ctx, origins)[_pick(rng, origins, count)]
                via = {"HK": 0.5, "KR": 0.3, "MX": 0.2}
                transit = _country_codes(ctx, via)[_pick(rng, via, count)]
                routed = (rng.random(count) < 0.5) & (name in ("precursor", "press"))
                part["transit"] = np.where(routed, transit, -1).astype(np.int16)
            if name in ("precursor", "emerging"):
                line, text = _precursor_declarations(rng, hts, count)
                weight = np.where(
                    mode == M_AIR,
                    _lognormal(rng, np.full(count, 40.0), np.full(count, 0.9)),
                    np.clip(_lognormal(rng, np.full(count, 2.0), np.full(count, 0.8)), 0.1, 30),
                )
                value = weight * hts.vpk_median[line] * rng.uniform(0.02, 0.15, count)
            elif name == "press":
                dies = rng.random(count) < 0.4
                line, text = _machine_declarations(rng, hts, count, dies)
                weight = np.where(
                    dies,
                    _lognormal(rng, np.full(count, 3.0), np.full(count, 0.6)),
                    _lognormal(rng, np.full(count, 120.0), np.full(count, 0.7)),
                )
                value = weight * hts.vpk_median[line] * rng.uniform(0.3, 1.0, count)
            else:  # drugs hidden in consumer parcels
                line, text = _consumer_declarations(rng, hts, mode, 0.4)
                weight = np.clip(
                    _lognormal(rng, np.full(count, 1.2), np.full(count, 0.7)), 0.05, 20
                )
                value = weight * hts.vpk_median[line] * rng.uniform(0.2, 0.8, count)
            part.update(hts=line, text=text, weight=weight, value=np.maximum(value, 1.0))
            _illicit_parties(ctx, rng, part, count)
            part["want86"] = np.ones(count, dtype=bool)
            parcel = np.isin(mode, PARCEL_MODES)
            part["preprinted"] = parcel & (rng.random(count) < 0.12)
        parts.append(part)
    return _concat(parts)


def _carton_rows(ctx: _Context, rng, size: int, days, cdf) -> dict:
    """Pattern 2: clusters of small type-86 parcels, one shipper -> one delivery address."""
    _, hts = _texts()
    sizes = rng.integers(12, 91, size=size // 12 + 2)
    ends = np.cumsum(sizes)
    k = int(np.searchsorted(ends, size)) + 1
    sizes = sizes[:k]
    sizes[-1] -= ends[k - 1] - size
    sizes = sizes[sizes > 0]
    clusters = len(sizes)
    of = np.repeat(np.arange(clusters), sizes)
    c_mode = np.where(rng.random(clusters) < 0.8, M_EXPRESS, M_MAIL).astype(np.int8)
    c_port = _pick_ports(ctx, rng, c_mode)
    c_t = _sample_times(rng, days, cdf, clusters)
    c_t = c_t - c_t % DAY_US
    cn, hk = ctx.country_index["CN"], ctx.country_index["HK"]
    c_origin = np.where(rng.random(clusters) < 0.9, cn, hk).astype(np.int16)
    c_transit = np.where((c_origin == cn) & (rng.random(clusters) < 0.3), hk, -1).astype(np.int16)
    total = ctx.parcel_consignees + ctx.cargo_consignees
    c_address = np.floor(rng.random(clusters) * total).astype(np.int64) + 1
    mode = c_mode[of]
    last_us = ((days[-1] - EPOCH).astype(np.int64) + 1) * DAY_US - 1
    t = c_t[of] + rng.integers(0, 4, size) * DAY_US + rng.integers(0, DAY_US, size)
    cols = {
        "mode": mode,
        "port": c_port[of],
        "t": np.minimum(t, last_us),
        "origin": c_origin[of],
        "transit": c_transit[of],
    }
    c_shipper = _shippers(ctx, rng, c_mode, c_origin, np.ones(clusters, dtype=bool))
    line, text = _consumer_declarations(rng, hts, mode, 0.4)
    weight = np.clip(_lognormal(rng, np.full(size, 0.8), np.full(size, 0.6)), 0.1, 5)
    value = np.clip(_lognormal(rng, np.full(size, 25.0), np.full(size, 0.6)), 2, 400)
    consignee = _consignees(ctx, rng, np.ones(size, dtype=bool), np.ones(size, dtype=bool))
    cols.update(
        hts=line, text=text, weight=weight, value=value, shipper=c_shipper[of],
        consignee=consignee, address=c_address[of],
        placeholder=np.where(
            rng.random(size) < PLACEHOLDER_RATE_ILLICIT,
            rng.integers(0, len(PLACEHOLDER_NAMES), size), -1,
        ).astype(np.int16),
        carrier=_carriers(ctx, rng, mode, cols["port"]),
        want86=np.ones(size, dtype=bool),
        master=rng.random(size) < 0.97,
        preprinted=rng.random(size) < 0.88,
    )  # fmt: skip
    return cols


def select_linked(seizures: pl.DataFrame, rng: np.random.Generator, n: int) -> pl.DataFrame:
    """The seizures that came from a manifest line (at most MAX_LINKED_SHARE of ``n``)."""
    frame = seizures.sort("seizure_id")
    mode = frame["mode"].to_numpy().astype(str)
    category = frame["category"].to_numpy().astype(str)
    has_port = frame["port_code"].is_not_null().to_numpy()
    chemical = np.isin(category, ["precursor", "equipment"])
    p = np.where(np.isin(mode, ["mail", "express"]), 1.0, 0.0)
    cargo = np.isin(mode, ["air_cargo", "sea_container", "land_truck"])
    p = np.where(cargo, np.where(chemical, LINK_SHARE_CARGO_CHEMICAL, LINK_SHARE_CARGO), p)
    chosen = (rng.random(frame.height) < p) & has_port
    linked = frame.filter(pl.Series(chosen))
    cap = int(MAX_LINKED_SHARE * n)
    if linked.height > cap:
        keep = np.sort(rng.permutation(linked.height)[:cap])
        linked = linked.select(pl.all().gather(keep))
    return linked


def _linked(ctx: _Context, rng, linked: pl.DataFrame) -> dict:
    """One manifest line per linked seizure, matching its port, mode, day and countries."""
    _, hts = _texts()
    size = linked.height
    cols = _blank(size)
    cols["illicit"][:] = True
    cols["seizure"] = np.arange(size, dtype=np.int32)
    mode = linked["mode"].replace_strict(list(MODES), range(len(MODES)), return_dtype=pl.Int8)
    mode = mode.to_numpy()
    port = linked["port_code"].replace_strict(ctx.port_index, return_dtype=pl.Int32).to_numpy()
    day = linked["event_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    t = day * DAY_US + rng.integers(0, DAY_US, size)
    origin = _countries_from(ctx, linked["source_country"])
    origin = np.where(origin < 0, ctx.country_index["CN"], origin).astype(np.int16)
    transit = _countries_from(ctx, linked["transit_country"])
    transit = np.where(transit == origin, -1, transit).astype(np.int16)
    category = linked["category"].to_numpy().astype(str)
    commodity = linked["commodity"].to_numpy().astype(str)
    parcel = np.isin(mode, PARCEL_MODES)
    de_minimis = linked["de_minimis"].to_numpy().astype(bool) & parcel

    line, text = _consumer_declarations(rng, hts, mode, 0.35)
    weight, value = _weights_values(rng, hts, line, mode)
    precursor = category == "precursor"
    p_line, p_text = _precursor_declarations(rng, hts, size)
    equipment = category == "equipment"
    dies = np.isin(commodity, ["die_set", "press_parts"])
    e_line, e_text = _machine_declarations(rng, hts, size, dies)
    line = np.where(precursor, p_line, np.where(equipment, e_line, line)).astype(np.int16)
    text = np.where(precursor, p_text, np.where(equipment, e_text, text)).astype(np.int32)

    lbs = linked["lbs"].fill_null(0.0).to_numpy()
    pieces = np.where(
        linked["unit"].to_numpy().astype(str) == "pieces", linked["quantity"].to_numpy(), 0.0
    )
    contraband_kg = lbs * LBS_TO_KG + pieces * np.where(dies, 3.0, 120.0)
    packed = contraband_kg * rng.uniform(1.05, 1.5, size)
    weight = np.where(parcel, np.maximum(weight, packed), weight + contraband_kg)
    weight = np.where(precursor | equipment, np.maximum(packed, 0.05), weight)
    vpk_norm = hts.vpk_median[line]
    value = np.where(precursor, weight * vpk_norm * rng.uniform(0.02, 0.15, size), value)
    value = np.where(equipment, weight * vpk_norm * rng.uniform(0.3, 1.0, size), value)
    # Type 86 must stay under the 800 USD threshold; filers undervalue to stay there.
    value = np.where(de_minimis & (value > 800), rng.uniform(20, 800, size), value)
    value = np.maximum(value, 1.0)

    cols.update(
        t=t, port=port, mode=mode, hts=line, text=text, value=value, weight=weight,
        origin=origin, transit=transit, want86=de_minimis, exam_rate=np.full(size, 1.0),
    )  # fmt: skip
    _illicit_parties(ctx, rng, cols, size)
    cols["placeholder"] = np.where(
        parcel, cols["placeholder"], np.where(rng.random(size) < 0.03, 0, -1)
    ).astype(np.int16)
    smuggled = parcel & ~equipment
    master = smuggled & (rng.random(size) < 0.08)
    cols["master"] = master
    cols["preprinted"] = np.where(
        master, rng.random(size) < 0.85, smuggled & (rng.random(size) < 0.05)
    )
    # A seized master-carton parcel belongs to a split consignment: a few drop addresses (each
    # with its shipper) receive several of them.
    rows = np.flatnonzero(master)
    if len(rows) == 0:
        return cols
    drops = max(1, len(rows) // 6)
    drop = rng.integers(0, drops, len(rows))
    total = ctx.parcel_consignees + ctx.cargo_consignees
    drop_address = np.floor(rng.random(drops) * total).astype(np.int64) + 1
    drop_shipper = cols["shipper"][rows][np.minimum(np.arange(drops), len(rows) - 1)]
    cols["address"][rows] = drop_address[drop]
    cols["shipper"][rows] = drop_shipper[drop]
    return cols


def _concat(parts: list[dict]) -> dict[str, np.ndarray]:
    parts = [p for p in parts if p]
    return {k: np.concatenate([p[k] for p in parts]) for k in COLUMNS}


# --------------------------------------------------------------------------------------------
# Examination, entry types, assembly
# --------------------------------------------------------------------------------------------


def _red_flag_score(cols: dict, hts: HtsTable) -> np.ndarray:
    """How strongly a row's declaration invites an exam (CBP's public red flags)."""
    text = cols["text"]
    mode = cols["mode"]
    line = cols["hts"]
    score = np.ones(len(text))
    score *= np.where((text >= _vague_start()) & (text < _disguise_start()), 5.0, 1.0)
    score *= np.where(cols["placeholder"] >= 0, 4.0, 1.0)
    both = cols["master"] & cols["preprinted"]
    score *= np.where(both, 8.0, np.where(cols["preprinted"], 5.0, 1.0))
    score *= np.where(cols["master"] & ~both, 1.5, 1.0)
    score *= np.where(cols["transit"] >= 0, 1.6, 1.0)
    vpk = cols["value"] / np.maximum(cols["weight"], 1e-6)
    score *= np.where(vpk < 0.2 * hts.vpk_median[line], 2.5, 1.0)
    watch = hts.watchlist[line]
    score *= np.where(watch == "precursor", 4.0, np.where(watch == "equipment", 2.0, 1.0))
    score *= np.where(_needs_dea(text) & (cols["dea"] < 0), 10.0, 1.0)
    score *= np.asarray([0.9, 1.1, 1.0, 0.8, 1.5, 1.2])[mode]
    return score


def _examine(rng, cols: dict, hts: HtsTable, n: int) -> np.ndarray:
    size = len(cols["mode"])
    linked = cols["seizure"] >= 0
    hidden = cols["illicit"] & ~linked
    examined = linked.copy()
    n_linked, n_hidden = int(linked.sum()), int(hidden.sum())
    if n_hidden:
        rate = min(0.25, MISSED_PER_LINKED * max(n_linked, 1) / n_hidden)
        relative = np.nan_to_num(cols["exam_rate"], nan=1.0)
        examined |= hidden & (rng.random(size) < rate * relative)
    background = ~cols["illicit"]
    target = max(EXAMINED_SHARE * n - examined.sum(), 0.004 * background.sum())
    score = _red_flag_score(cols, hts)[background]
    c = target / score.sum()
    for _ in range(6):  # fixed point: clipping at 1 pushes probability onto other rows
        c = c * target / max(np.minimum(c * score, 1.0).sum(), 1e-9)
    u = rng.random(size)
    examined[background] = u[background] < np.minimum(c * score, 1.0)
    return examined


def _entry_types(cols: dict) -> np.ndarray:
    parcel = np.isin(cols["mode"], PARCEL_MODES)
    value = cols["value"]
    entry = np.where(value > 2500, 0, 1)  # 01 formal, 11 informal
    return np.where(parcel & (value <= 800) & cols["want86"], 2, entry).astype(np.int8)


def _lookup(values: list[str | None], index: np.ndarray) -> pl.Series:
    """Gather labels by integer index; -1 gives null."""
    table = pl.Series(values + [None], dtype=pl.Utf8)
    return table.gather(np.where(index < 0, len(values), index))


@cache
def _name_table() -> tuple[str, ...]:
    """Every consignee name the generator writes: people, then companies, then placeholders."""
    people = [f"{first} {last}" for last in LAST_NAMES for first in FIRST_NAMES]
    companies = [
        f"{head} {trade} {form}"
        for form in COMPANY_FORMS
        for trade in COMPANY_TRADES
        for head in COMPANY_HEADS
    ]
    return tuple(people + companies + list(PLACEHOLDER_NAMES))


def _name_index(cols: dict, ctx: _Context) -> np.ndarray:
    """A consignee's name is fixed by its number; placeholders override it on some rows."""
    consignee = cols["consignee"]
    company_share = np.where(consignee < ctx.parcel_consignees, 12, 95)
    mixed = (consignee * 2_654_435_761 + 97) % (2**32)
    people = len(FIRST_NAMES) * len(LAST_NAMES)
    companies = len(COMPANY_HEADS) * len(COMPANY_TRADES) * len(COMPANY_FORMS)
    name = np.where(
        (mixed % 100) < company_share,
        people + (mixed // 100) % companies,
        (mixed // 100) % people,
    )
    placeholder = cols["placeholder"]
    return np.where(placeholder >= 0, people + companies + placeholder, name)


def _padded(prefix: str, column: str, width: int) -> pl.Expr:
    return pl.concat_str([pl.lit(prefix), pl.col(column).cast(pl.Utf8).str.zfill(width)])


def _assemble(
    cols: dict, ctx: _Context, seizure_ids: list[str], batch_id: str, ingested_at: datetime
) -> pl.DataFrame:
    """Sort by arrival (integers only), then turn codes into strings with gathers."""
    texts, hts = _texts()
    order = np.lexsort((np.arange(len(cols["t"])), cols["t"]))
    cols = {k: v[order] for k, v in cols.items()}
    day = cols["t"] // DAY_US + EPOCH.astype(np.int64)
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    fiscal = (1970 + month // 12 + (month % 12 >= 9)).astype(np.int16)
    first = np.searchsorted(fiscal, fiscal, side="left")
    sequence = np.arange(len(fiscal)) - first + 1
    upper_texts = list(texts) + [t.upper() for t in texts]
    text = cols["text"] + np.where(cols["upper"], len(texts), 0)
    frame = pl.DataFrame(
        {
            "arrived_at": pl.Series(cols["t"], dtype=pl.Int64).cast(pl.Datetime("us")),
            "port_code": _lookup(ctx.codes, cols["port"]),
            "area_id": _lookup(ctx.areas, cols["port"]),
            "mode": _lookup(list(MODES), cols["mode"]),
            "hts_code": _lookup(list(hts.code), cols["hts"]),
            "description": _lookup(upper_texts, text),
            "declared_value_usd": np.round(cols["value"], 2),
            "declared_weight_kg": np.round(cols["weight"], 3),
            "origin_country": _lookup(ctx.countries, cols["origin"]),
            "transit_country": _lookup(ctx.countries, cols["transit"]),
            "_shipper": cols["shipper"],
            "_consignee": _bijection(cols["consignee"], ctx.parcel_consignees
                                     + ctx.cargo_consignees, 2) + 1,
            "consignee_name": _lookup(list(_name_table()), _name_index(cols, ctx)),
            "_address": cols["address"],
            "carrier": _lookup(ctx.carriers, cols["carrier"]),
            "entry_type": _lookup(list(ENTRY_TYPES), cols["entry"]),
            "master_carton": cols["master"],
            "preprinted_domestic_label": cols["preprinted"],
            "_dea": cols["dea"],
            "examined": cols["examined"],
            "outcome": _lookup(list(OUTCOMES), cols["outcome"]),
            "seizure_id": _lookup(seizure_ids, cols["seizure"]),
            "fiscal_year": fiscal,
            "_seq": sequence,
        }
    )  # fmt: skip
    frame = frame.with_columns(
        pl.concat_str(
            [pl.lit("MF"), pl.col("fiscal_year").cast(pl.Utf8),
             pl.col("_seq").cast(pl.Utf8).str.zfill(8)]
        ).alias("shipment_id"),
        _padded("SH", "_shipper", 7).alias("shipper_id"),
        _padded("CE", "_consignee", 8).alias("consignee_id"),
        _padded("AD", "_address", 8).alias("consignee_address_id"),
        pl.when(pl.col("_dea") >= 0)
        .then(pl.concat_str([pl.lit("DEA452-"), pl.col("_dea").cast(pl.Utf8)]))
        .alias("dea_transaction_id"),
        pl.lit(batch_id).alias("batch_id"),
        pl.lit(ingested_at).cast(pl.Datetime("us")).alias("ingested_at"),
    )  # fmt: skip
    return conform("shipments", frame)


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

    Seizures by mail or express with a port, and a share of cargo seizures, each get exactly one
    line (capped at 70 % of ``n``, a deterministic subset); the remainder is background traffic
    plus a small share of never-seized illicit rows carrying the patterns in the module docstring.
    """
    report = progress or (lambda _rows: None)
    if ingested_at.tzinfo is not None:
        ingested_at = ingested_at.astimezone(UTC).replace(tzinfo=None)
    texts, hts = _texts()
    linked = select_linked(seizures, rng, n)
    ctx = _context(n, linked)
    days = _days(start, end)
    cdfs = {True: _day_cdf(days, True), False: _day_cdf(days, False)}

    parts = [_linked(ctx, rng, linked)]
    made = linked.height
    report(made)
    hidden = int(np.clip(HIDDEN_PER_LINKED * linked.height, HIDDEN_MIN_SHARE * n,
                         HIDDEN_MAX_SHARE * n))  # fmt: skip
    hidden = max(0, min(hidden, n - linked.height))
    parts.append(_hidden(ctx, rng, hidden, days, cdfs))
    made += hidden
    report(made)
    remaining = n - made
    chunk = 1_000_000
    while remaining > 0:
        size = min(chunk, remaining)
        parts.append(_background(ctx, rng, size, days, cdfs))
        remaining -= size
        made += size
        report(made)
    cols = _concat(parts)
    cols["upper"] = rng.random(n) < UPPERCASE_RATE
    cols["entry"] = _entry_types(cols)
    cols["examined"] = _examine(rng, cols, hts, n)
    cols["outcome"] = np.where(cols["seizure"] >= 0, 2, np.where(cols["examined"], 1, 0)).astype(
        np.int8
    )
    shipments = _assemble(cols, ctx, linked["seizure_id"].to_list(), batch_id, ingested_at)
    links = shipments.filter(pl.col("seizure_id").is_not_null()).select("seizure_id", "shipment_id")
    return shipments, links
