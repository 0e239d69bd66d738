"""Lookup tables that shape legitimate traffic: modes, their ports, origins, transits, carriers.

They live apart from the code that draws from them so the numbers a reviewer may want to tune sit
together; every weight here is modelled, none comes from real manifests.
"""

from __future__ import annotations

# fmt: off
Weights = dict[str, float]

MODES = ("express", "mail", "air_cargo", "sea_container", "land_truck", "land_rail")
M_EXPRESS, M_MAIL, M_AIR, M_SEA, M_TRUCK, M_RAIL = range(len(MODES))
PARCEL_MODES = (M_EXPRESS, M_MAIL)
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
# Host airports of the five international mail facilities (USPS OIG). Mail goes to the
# "<host>-IMF" rows of ports.csv; only a ports.csv without imf rows sends it to these airports.
MAIL_HOST_PORTS = ("4701", "3901", "2720", "2801", "5206")
# Rank order of ports by volume for each mode: the head of a Zipf curve. Ports missing here follow
# in code order; ports missing from ports.csv are skipped.
PORT_PREFERENCE: dict[str, tuple[str, ...]] = {
    "express": ("4196", "2095", "4197", "4772", "4770", "2770", "5271", "4198", "2795", "4670",
                "2895", "3095", "2991"),
    "mail": MAIL_HOST_PORTS,
    "air_cargo": ("5206", "3901", "2720", "4701", "5501", "1704", "5309", "2801", "3029", "5401",
                  "1108"),
    "sea_container": ("2704", "2709", "4601", "1703", "5301", "3002", "3001", "1601", "1401",
                      "2811", "1303", "5201", "5203", "2002", "1101"),
    "land_truck": ("2304", "3801", "2506", "0901", "2402", "3802", "2305", "2604", "0712", "3004",
                   "2408", "2507", "2303", "2301", "3310", "3401", "2401", "3009", "2302", "0708",
                   "3403", "2608"),
    "land_rail": ("2304", "3801", "2303", "3802", "2402", "0901", "2604", "3004", "2301", "3604",
                  "3403", "3402", "3310", "0712", "2503"),
}
RAIL_ONLY_LISTED = True  # rail crosses at a handful of ports only
PORT_ZIPF = {"express": 0.9, "mail": 1.0, "air_cargo": 1.0, "sea_container": 1.0,
             "land_truck": 1.2, "land_rail": 1.0}

# Pattern 3, the emerging transit route: where it lands and from when.
EMERGING_PORT_PREFERENCE = ("4198", "2795", "2895")
EMERGING_ORIGIN, EMERGING_TRANSIT = "CN", "VN"
EMERGING_FROM_FY = 2025
EMERGING_MONTHLY_GROWTH = 0.15

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
ALL_CARRIER_TABLES = (CARRIERS_EXPRESS, CARRIERS_AIR, CARRIERS_SEA, CARRIERS_TRUCK_SW,
                      CARRIERS_TRUCK_N, CARRIERS_RAIL_SW, CARRIERS_RAIL_N)
HUB_CARRIER_SHARE = 0.88  # an express hub mostly handles its own integrator's parcels
# fmt: on
