"""When two names or addresses describe the same building.

Names: the larger of difflib's ratio and the share of the shorter name's words
found in the longer ("Timperley Library" is in "Timperley Library and Health
Centre"). Addresses: the share of the shorter address's words found in the longer,
compared up to the street ("Limelight, 1 St Brides Way, Manchester" → "limelight
1 st brides way"), so trailing town and county names neither help nor hurt.

House numbers must agree: two names or addresses that both carry numbers and share
none ("14 Plymouth Road", "16 Plymouth Road") score 0, and an address with a number
never matches one without (a bare street is not a building). An address without a
number needs four words or more to count.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

_ABBREVIATIONS = {
    "rd": "road", "ave": "avenue", "av": "avenue", "ln": "lane", "ctr": "centre", "cntr": "centre",
    "center": "centre", "dr": "drive", "cres": "crescent", "gdns": "gardens", "hse": "house", "pl": "place",
    "sq": "square", "bldg": "building",
}
_NUMBER_TOKEN = re.compile(r"^\d+[a-z]?$")
_HAS_DIGIT = re.compile(r"\d")


def normalise_name(names: pd.Series) -> pd.Series:
    """Lower case, '&' as 'and', common abbreviations spelt out, no punctuation or leading 'the'."""
    cleaned = (names.astype(object).fillna("").astype(str).str.lower().str.replace("&", " and ", regex=False)
               .str.replace(r"[^a-z0-9 ]+", " ", regex=True).str.split())
    cleaned = cleaned.map(lambda words: " ".join(_ABBREVIATIONS.get(w, w) for w in words))
    return cleaned.str.replace(r"^the ", "", regex=True)


def _address_to_street(address: str) -> str:
    """The comma-separated parts of an address up to the one with the house number (and its street)."""
    parts = [part.strip() for part in address.split(",") if part.strip()]
    for position, part in enumerate(parts):
        if _HAS_DIGIT.search(part):
            end = position + 2 if len(part.split()) <= 2 else position + 1  # "91, Central Road"; "Unit 34, Golden Way"
            return ", ".join(parts[:end])
    return address


def normalise_address(addresses: pd.Series) -> pd.Series:
    """Addresses cut after the street that holds the house number, then normalised like names."""
    text = addresses.astype(object).fillna("").astype(str)
    return normalise_name(text.map(_address_to_street))


def _numbers(words: set[str]) -> set[str]:
    return {word for word in words if _NUMBER_TOKEN.match(word)}


def name_similarity(a: str, b: str) -> float:
    """How alike two normalised names are, 0–1."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    words_a, words_b = set(a.split()), set(b.split())
    numbers_a, numbers_b = _numbers(words_a), _numbers(words_b)
    if numbers_a and numbers_b and not numbers_a & numbers_b:
        return 0.0
    shorter = min(len(words_a), len(words_b))
    contained = len(words_a & words_b) / shorter if shorter >= 2 else 0.0
    if contained >= 1.0:
        return 1.0
    return max(contained, difflib.SequenceMatcher(None, a, b, autojunk=False).ratio())


def address_similarity(a: str, b: str) -> float:
    """How alike two normalised addresses are, 0–1."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    words_a, words_b = set(a.split()), set(b.split())
    numbers_a, numbers_b = _numbers(words_a), _numbers(words_b)
    if bool(numbers_a) != bool(numbers_b) or (numbers_a and not numbers_a & numbers_b):
        return 0.0
    shorter = min(len(words_a), len(words_b))
    if shorter < (2 if numbers_a else 4):
        return 0.0
    return len(words_a & words_b) / shorter
