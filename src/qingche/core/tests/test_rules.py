"""Property tests of the personal-data rules (pure: no database).

GB 11643-1999: an ID number is 6 region digits, an 8-digit birth date, a 3-digit sequence and a
check character computed from the first 17 digits (weights 2^(17-i) mod 11, "10X98765432")."""

import datetime as dt
import string

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from qingche.core import rules

# The weights and check characters written out independently of the module under test.
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
CHECK = "10X98765432"


def reference_check_char(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


digits = st.text(alphabet=string.digits, min_size=1, max_size=1)
birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@st.composite
def first17s(draw):
    region = draw(st.text(alphabet=string.digits, min_size=6, max_size=6))
    born = draw(birth_dates)
    sequence = draw(st.text(alphabet=string.digits, min_size=3, max_size=3))
    return f"{region}{born:%Y%m%d}{sequence}"


@st.composite
def valid_ids(draw):
    first17 = draw(first17s())
    return first17 + reference_check_char(first17)


def test_known_examples():
    # Published examples of GB 11643 numbers.
    assert rules.is_valid_id_number("11010519491231002X")
    assert rules.is_valid_id_number("11010519491231002x")  # lower-case x is normalised
    assert not rules.is_valid_id_number("440524188001010014")  # born 1880: outside 1900-2100
    assert rules.id_number_check_char("11010519491231002") == "X"
    assert not rules.is_valid_id_number("110105194912310021")
    assert not rules.is_valid_id_number("")
    assert not rules.is_valid_id_number("11010519491231002")  # 17 characters
    assert not rules.is_valid_id_number("110105194902300020")  # 30 February
    assert rules.birth_date_from_id_number("11010519491231002X") == dt.date(1949, 12, 31)
    assert rules.gender_from_id_number("11010519491231002X") == "female"
    assert rules.is_valid_id_number("440524198001010013")
    assert rules.gender_from_id_number("440524198001010013") == "male"


@given(first17s())
def test_check_char_matches_the_standard(first17):
    assert rules.id_number_check_char(first17) == reference_check_char(first17)


@given(valid_ids())
@example("11010519491231002X")
def test_any_17_digits_with_a_real_birth_date_and_the_check_char_is_valid(id_number):
    assert rules.is_valid_id_number(id_number)
    assert rules.is_valid_id_number(id_number.lower())
    assert rules.is_valid_id_number(f"  {id_number}  ")
    assert rules.birth_date_from_id_number(id_number) == dt.date.fromisoformat(
        f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
    )


@given(valid_ids(), st.integers(min_value=0, max_value=17), st.sampled_from(string.digits + "X"))
def test_changing_any_single_character_makes_the_number_invalid(id_number, position, replacement):
    assume(id_number[position] != replacement)
    mutated = id_number[:position] + replacement + id_number[position + 1 :]
    if position < 17:
        if replacement == "X":
            # X is only allowed as the check character.
            assert not rules.is_valid_id_number(mutated)
            return
        # A changed digit among the first 17 always changes the check character (11 is prime and
        # no weight is a multiple of 11), so the old check character no longer fits.
        assert reference_check_char(mutated[:17]) != id_number[17]
    assert not rules.is_valid_id_number(mutated)


@given(first17s(), st.sampled_from(string.digits + "X"))
def test_only_the_computed_check_char_is_accepted(first17, last):
    assert rules.is_valid_id_number(first17 + last) == (last == reference_check_char(first17))


@given(
    st.text(alphabet=string.digits, min_size=6, max_size=6),
    st.integers(min_value=1000, max_value=9999),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=31),
    st.text(alphabet=string.digits, min_size=3, max_size=3),
)
def test_an_impossible_birth_date_is_invalid_whatever_the_check_char(region, year, month, day, sequence):
    try:
        real = dt.date(year, month, day)
    except ValueError:
        real = None
    first17 = f"{region}{year:04d}{month:02d}{day:02d}{sequence}"
    valid = rules.is_valid_id_number(first17 + reference_check_char(first17))
    assert valid == (real is not None and 1900 <= year <= 2100)


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=25))
def test_anything_not_shaped_like_an_id_number_is_invalid(text):
    normalized = text.strip().upper()
    if len(normalized) != 18 or not normalized[:17].isdigit() or normalized[17] not in string.digits + "X":
        assert not rules.is_valid_id_number(text)


FULL_WIDTH = str.maketrans(string.digits + "X", "０１２３４５６７８９Ｘ")


@given(valid_ids())
def test_full_width_id_numbers_are_folded_to_ascii_or_refused(id_number):
    full_width = id_number[:17].translate(FULL_WIDTH) + id_number[17]
    if rules.is_valid_id_number(full_width):
        assert rules.normalize_id_number(full_width) == id_number


@given(valid_ids())
def test_id_number_masking_keeps_only_first_4_and_the_check_character(id_number):
    masked = rules.mask_id_number(id_number)
    assert masked == id_number[:4] + "*" * 13 + id_number[-1]
    assert len(masked) == 18
    assert rules.mask_id_number(id_number.lower()) == masked
    # an old, wider mask (first 4 and last 4) masks again to the same narrow one
    assert rules.mask_id_number(id_number[:4] + "*" * 10 + id_number[-4:]) == masked


def test_id_number_masking_example():
    assert rules.mask_id_number("42010619800101123X") == "4201*************X"
    assert rules.mask_id_number("") == ""


# -- phones -------------------------------------------------------------------------------------------
mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet=string.digits, min_size=9, max_size=9),
)


@given(mobiles)
def test_every_mobile_number_is_valid_and_masked_as_3_stars_4(phone):
    assert rules.is_valid_phone(phone)
    assert rules.is_valid_phone(f" {phone[:3]} {phone[3:7]} {phone[7:]} ")  # spaces are normalised
    masked = rules.mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert phone[3:7] not in masked[3:7]


def test_phone_masking_example():
    assert rules.mask_phone("13812341234") == "138****1234"
    assert rules.mask_phone("138 1234 1234") == "138****1234"
    assert rules.mask_phone("") == ""


@given(st.sampled_from("012"), st.text(alphabet=string.digits, min_size=9, max_size=9))
def test_mobile_numbers_with_an_unused_second_digit_are_invalid(second, rest):
    assert not rules.is_valid_phone(f"1{second}{rest}")


@given(mobiles, st.integers(min_value=1, max_value=3), st.booleans())
def test_mobile_numbers_of_the_wrong_length_are_invalid(phone, delta, longer):
    wrong = phone + "1" * delta if longer else phone[:-delta]
    assert not rules.is_valid_phone(wrong)


@given(st.text(alphabet=string.ascii_letters + "+#*", min_size=1, max_size=3), mobiles)
def test_letters_or_symbols_make_a_phone_invalid(junk, phone):
    assert not rules.is_valid_phone(phone[:5] + junk + phone[5:])


@pytest.mark.parametrize(
    "landline, masked",
    [("0731-84123456", "073******3456"), ("073184123456", "073*****3456"), ("010-6512345", "010****2345")],
)
def test_landlines_are_valid_and_masked(landline, masked):
    assert rules.is_valid_phone(landline)
    assert rules.mask_phone(landline) == masked


@settings(max_examples=200)
@given(st.text(alphabet=string.digits + "-", max_size=16))
def test_phone_mask_never_shows_the_middle(value):
    masked = rules.mask_phone(value)
    normalized = rules.normalize_phone(value)
    assert len(masked) == len(normalized)
    if len(normalized) > 7:
        assert masked[:3] == normalized[:3] and masked[-4:] == normalized[-4:]
        assert set(masked[3:-4]) == {"*"}
    else:
        assert set(masked) <= {"*"}


def test_ttl_cache_keeps_a_value_until_it_expires_or_is_cleared(monkeypatch):
    from qingche.core import cache

    calls = []

    @cache.ttl_cache(10)
    def square(n):
        calls.append(n)
        return n * n

    clock = [100.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    assert (square(3), square(3), square(4)) == (9, 9, 16)
    assert calls == [3, 4]
    clock[0] += 10.5
    assert square(3) == 9 and calls == [3, 4, 3]
    cache.clear_all()
    assert square(4) == 16 and calls == [3, 4, 3, 4]


# -- sizes as people read them ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "size, text",
    [
        (0, "0 B"),
        (64, "64 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (2048, "2 KB"),
        (1500, "1.4 KB"),
        (50 * 1024, "50 KB"),
        (1024 * 1024 - 1, "1023.9 KB"),
        (1024 * 1024, "1 MB"),
        (1536 * 1024, "1.5 MB"),
        (10 * 1024 * 1024, "10 MB"),
        (2 * 1024**4, "2097152 MB"),
    ],
)
def test_format_size_examples(size, text):
    assert rules.format_size(size) == text


UNIT_BYTES = {"B": 1, "KB": 1024, "MB": 1024 * 1024}


@given(st.integers(min_value=1, max_value=2**50))
def test_format_size_never_says_zero_never_overstates_and_uses_kb_under_a_megabyte(size):
    text = rules.format_size(size)
    number, unit = text.split(" ")
    assert float(number) > 0  # never "at most 0 MB"
    assert float(number) * UNIT_BYTES[unit] <= size  # rounded down: never promises more than the limit
    assert size - float(number) * UNIT_BYTES[unit] < UNIT_BYTES[unit] / 10 + 1  # and loses under a tenth
    expected_unit = "MB" if size >= 1024 * 1024 else "KB" if size >= 1024 else "B"
    assert unit == expected_unit
    assert not number.endswith(".0") and len(number.partition(".")[2]) <= 1
