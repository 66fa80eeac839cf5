"""The office's identity as its papers name it (`core.office`): the signer's title from the office's
name unless one is typed, the neutral word, and when a template asks for a district."""
from __future__ import annotations

import pytest

from cds_batch.core.office import asks_district, office_or_neutral, signer_lines, signer_title


@pytest.mark.parametrize("office, title", [
    ("UBND xã Hải Thịnh", "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"),
    ("Ủy ban nhân dân phường Bến Thành", "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"),
    ("  uỷ ban nhân dân đặc khu Phú Quốc ", "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"),
    ("Sở GDĐT Ninh Bình", "GIÁM ĐỐC"),
    ("Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh", "GIÁM ĐỐC"),
    ("Phòng GDĐT Quận 7", "TRƯỞNG PHÒNG"),
    ("phòng Văn hóa - Xã hội xã Hải Thịnh", "TRƯỞNG PHÒNG"),
    ("Trường THCS Thịnh Long", "THỦ TRƯỞNG ĐƠN VỊ"),
    ("Số 5 Lê Lợi", "THỦ TRƯỞNG ĐƠN VỊ"),           # "Số" is not "Sở": diacritics matter only here
    ("Phongsaly", "THỦ TRƯỞNG ĐƠN VỊ"),            # a word, not a prefix
    ("", "THỦ TRƯỞNG ĐƠN VỊ"),
])
def test_the_default_signer_follows_the_offices_name(office, title):
    assert signer_title(office) == title


def test_a_typed_title_wins_in_capitals_with_its_lines():
    assert signer_title("UBND xã Hải Thịnh", "chủ tịch") == "CHỦ TỊCH"
    assert signer_title("Sở GDĐT Ninh Bình", " kt. giám đốc /phó giám đốc ") == "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
    assert signer_title("Sở GDĐT Ninh Bình", " / ") == "GIÁM ĐỐC"   # nothing typed after all
    assert signer_lines("TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH") == ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert signer_lines("") == ()


def test_the_office_or_neutral_words():
    assert office_or_neutral("  UBND  xã Hải Thịnh ") == "UBND xã Hải Thịnh"
    assert office_or_neutral("") == "đơn vị"
    assert office_or_neutral("", "đơn vị nhận phiếu") == "đơn vị nhận phiếu"


@pytest.mark.parametrize("office, districts, asked", [
    ("UBND xã Hải Thịnh", (), False),
    ("Sở GDĐT Ninh Bình", ("", " "), False),
    ("", (), False),
    ("UBND xã Hải Thịnh", ("", "Huyện Hải Hậu"), True),   # the roster says so
    ("Phòng GDĐT Quận 7", (), True),                       # the office says so: a round before July 2025
    ("Phòng GD&ĐT huyện Vĩnh Bảo", (), True),
    ("Phòng GDĐT thị xã Đông Triều", (), True),
    ("Sở GDĐT Quảng Ninh", (), False),                     # "Quảng" is not "quận"
    ("Phòng Văn hóa - Xã hội xã Hải Thịnh", (), False),
])
def test_a_template_asks_for_a_district_only_when_the_roster_or_office_names_one(office, districts, asked):
    assert asks_district(office, districts) is asked
