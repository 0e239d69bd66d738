"""HTS lines and the free texts filers write for them (data/reference/hts_codes.csv + lexicons).

Every declared text lives in one flat tuple (line variants first, then the vague phrases, then
machine disguises) so a row's text is a small integer until the frame is assembled; the position
of a text says which lexicon it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from lake import reference

HTS_FILE = "hts_codes.csv"
UPPERCASE_RATE = 0.2  # many filers type in capitals

# fmt: off
# Phrases CBP and DEA officials cite as junk declarations; some honest filers use them too.
VAGUE_TEXTS = (
    "organic chemical", "sample", "industrial raw material", "daily necessities", "gift",
    "freight of all kinds", "9", "chemical product", "raw material", "intermediate", "reagent",
    "cosmetic raw material", "food additive", "household goods", "samples no commercial value",
    "accessories",
)
MACHINE_DISGUISES = (
    "candy making machine", "food processing machine", "machine parts", "sugar press machine",
    "pellet machine", "mold", "metal parts", "hardware accessories",
)
# Texts that name a machine needing a DEA Form 452 transaction id.
DEA_MACHINE_TEXTS = (
    "rotary tablet press", "single punch tablet press", "tablet compression machine",
    "capsule filling machine", "semi-automatic capsule filler",
)
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
    "2106.90.9998": ("dietary supplement", "vitamin gummies", "protein powder",
                     "herbal supplement"),
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
    "8479.89.9499": ("rotary tablet press", "single punch tablet press",
                     "tablet compression machine", "industrial mixer", "ultrasonic cleaner",
                     "automatic labeling machine", "mixing machine"),
    "8422.30.9100": ("capsule filling machine", "semi-automatic capsule filler",
                     "bottle filling machine", "capping machine", "sealing machine"),
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
# fmt: on


@dataclass(frozen=True)
class HtsTable:
    """hts_codes.csv as arrays, plus where each line's variants start in the flat text tuple."""

    code: np.ndarray  # object
    chapter: np.ndarray  # object, two digits
    vpk_median: np.ndarray
    vpk_sigma: np.ndarray
    w_median: np.ndarray
    w_sigma: np.ndarray
    share: np.ndarray
    channel: np.ndarray  # object
    watchlist: np.ndarray  # object, "" when none
    text_start: np.ndarray  # first variant of each line in the flat text tuple
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
def declared_texts() -> tuple[tuple[str, ...], HtsTable]:
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


def vague_start() -> int:
    """Index of the first vague phrase in the flat text tuple."""
    texts, _ = declared_texts()
    return len(texts) - len(VAGUE_TEXTS) - len(MACHINE_DISGUISES)


def disguise_start() -> int:
    """Index of the first machine disguise in the flat text tuple."""
    texts, _ = declared_texts()
    return len(texts) - len(MACHINE_DISGUISES)


def needs_dea_id(text: np.ndarray) -> np.ndarray:
    """Rows whose text names a tableting or encapsulating machine (DEA Form 452 territory)."""
    texts, _ = declared_texts()
    return np.isin(text, [texts.index(label) for label in DEA_MACHINE_TEXTS])
