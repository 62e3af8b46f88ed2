"""Pure helpers of the shared kernel: masking and validation of personal data, sizes as people read
them. No ORM here."""

import re

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
    import datetime

    try:
        born = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100


def birth_date_from_id_number(value: str):
    import datetime

    value = normalize_id_number(value)
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


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
