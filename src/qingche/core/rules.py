"""Pure helpers of the shared kernel: masking and validation of personal data, sizes as people read
them. No ORM here."""

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE_RE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


def normalize_id_number(value: str) -> str:
    """Trimmed, upper-case, with full-width (全角) digits typed through a Chinese IME folded to ASCII."""
    return (value or "").strip().translate(FULL_WIDTH).upper()


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()]", "", value or "")


def id_number_check_char(first17: str) -> str:
    """GB 11643-1999: the 18th character of a citizen ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def is_valid_id_number(value: str) -> bool:
    value = normalize_id_number(value)
    if not ID_RE.match(value):
        return False
    if not _is_valid_birth_date(value[6:14]):
        return False
    return id_number_check_char(value[:17]) == value[17]


def _is_valid_birth_date(yyyymmdd: str) -> bool:
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100


def birth_date_from_id_number(value: str):
    value = normalize_id_number(value)
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender_from_id_number(value: str) -> str:
    """The 17th digit is odd for men, even for women."""
    return "male" if int(normalize_id_number(value)[16]) % 2 else "female"


def is_valid_phone(value: str) -> bool:
    value = normalize_phone(value)
    return bool(PHONE_RE.match(value) or LANDLINE_RE.match(value))


def mask_phone(value: str) -> str:
    """138****1234; landlines keep the area code and the last four digits."""
    value = normalize_phone(value)
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_id_number(value: str) -> str:
    """4201*************X: the province and city, and the check character. The birth date, the county
    digits and the sequence stay hidden, so that with the birth year and the gender beside it tens of
    thousands of valid numbers still fit (GB 11643's check character rules out only one in eleven).
    Masking an already masked value gives the same mask, so stored masks of an older, wider form can be
    masked again without the key."""
    value = normalize_id_number(value)
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 5) + value[-1:]


KB, MB = 1024, 1024 * 1024


def format_size(size: int) -> str:
    """A size limit as people read it: "10 MB", "1.5 MB", "500 KB", "800 B" — megabytes from 1 MB up,
    kilobytes below, bytes under 1 KB. One decimal at most, none when whole; rounded down, so that "at
    most 1.9 MB" never promises more than the limit allows."""
    size = max(int(size), 0)
    for unit, name in ((MB, "MB"), (KB, "KB")):
        if size >= unit:
            tenths = size * 10 // unit
            whole, tenth = divmod(tenths, 10)
            return f"{whole} {name}" if tenth == 0 else f"{whole}.{tenth} {name}"
    return f"{size} B"


# -- The audit chain -------------------------------------------------------------------------------------
# Each audit event carries `chain_hash` = SHA-256 of the previous event's hash and the event's canonical
# content, and its place in the chain (`chain_seq`, 1, 2, 3 …). Editing an event changes its content, so
# its hash no longer matches; deleting one leaves a gap in the places and a `chain_prev` that no event holds.
# The canonical form below is frozen: changing it makes every existing link look broken.

AUDIT_CHAIN_START = "0" * 64
AUDIT_CHAIN_FIELDS = (
    "chain_seq",
    "created_at",
    "actor_id",
    "actor_name",
    "ip",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "reason",
)


def _canonical_json(value):
    """JSON values as the database gives them back: PostgreSQL's jsonb turns 2.0 into 2 and 1e20 into
    100000000000000000000, so a float with no fraction is written as the integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return [_canonical_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _canonical_json(item) for key, item in value.items()}
    return value


def audit_canonical(event: dict) -> bytes:
    """The canonical content of an audit event (`AUDIT_CHAIN_FIELDS` of a dict of column values): one line
    of JSON with sorted keys, no spaces, UTF-8; the time in UTC with microseconds."""
    values = {}
    for name in AUDIT_CHAIN_FIELDS:
        value = event.get(name)
        if name == "created_at":
            value = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif name in ("before", "after"):
            value = _canonical_json(value)
        elif name == "actor_id":
            value = None if value is None else int(value)
        elif value is not None and name != "chain_seq":
            value = str(value)
        values[name] = value
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def audit_chain_hash(prev_hash: str, event: dict) -> str:
    """The hash of an event chained to the one before it."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + audit_canonical(event)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """A broken link: `kind` is "altered" (the event's content or hash was changed), "missing" (the places
    `first_seq`..`last_seq` are gone: events deleted), "unlinked" (the event chains to another hash than its
    predecessor's) or "unchained" (an event with no place in the chain)."""

    kind: str
    event_id: int | None
    first_seq: int | None
    last_seq: int | None = None

    def describe(self) -> str:
        if self.kind == "missing":
            places = f"{self.first_seq}" if self.first_seq == self.last_seq else f"{self.first_seq}-{self.last_seq}"
            return f"link {places} missing (deleted) before event #{self.event_id}"
        if self.kind == "unchained":
            return f"event #{self.event_id} has no place in the chain"
        if self.kind == "unlinked":
            before = self.first_seq - 1
            return f"event #{self.event_id} (link {self.first_seq}) does not chain to the hash of link {before}"
        return f"event #{self.event_id} (link {self.first_seq}) altered: its hash does not match its content"


def audit_chain_breaks(events, *, prev_seq: int = 0, prev_hash: str = AUDIT_CHAIN_START) -> list[ChainBreak]:
    """Walk events (dicts with `id`, `chain_prev`, `chain_hash` and the canonical fields) in chain order and
    return every broken link. `prev_seq`/`prev_hash` are where the walk starts (the link before the first
    event; the start of the chain by default)."""
    breaks = []
    for event in events:
        seq = event.get("chain_seq")
        if seq is None:
            breaks.append(ChainBreak("unchained", event["id"], None))
            continue
        if seq != prev_seq + 1:
            breaks.append(ChainBreak("missing", event["id"], prev_seq + 1, seq - 1))
        elif event["chain_prev"] != prev_hash:
            breaks.append(ChainBreak("unlinked", event["id"], seq))
        if audit_chain_hash(event["chain_prev"], event) != event["chain_hash"]:
            breaks.append(ChainBreak("altered", event["id"], seq))
        prev_seq, prev_hash = seq, event["chain_hash"]
    return breaks
