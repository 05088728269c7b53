"""Citizens' words (synonyms.txt): the shipped list finds procedures by what people call
them, in a catalogue whose staff wrote no keywords (names as in the national database);
the file format, its errors, and a province's own file added by the config."""

from __future__ import annotations

from pathlib import Path

import pytest

from counter_api.procedures import synonyms
from counter_api.procedures.catalogue import Catalogue, load_synonyms
from counter_api.procedures.search import SearchIndex
from counter_api.store import Store
from sothutu.config import load_config
from sothutu.procedures.model import Procedure
from tests.support import write_config

# Names as published on the national public-service portal; no keywords at all.
NATIONAL = {
    "KS": ("Đăng ký khai sinh", "ho-tich"),
    "KT": ("Đăng ký khai tử", "ho-tich"),
    "KH": ("Đăng ký kết hôn", "ho-tich"),
    "TT": ("Cấp Giấy xác nhận tình trạng hôn nhân", "ho-tich"),
    "TL": ("Cấp bản sao Trích lục hộ tịch", "ho-tich"),
    "GH": ("Đăng ký giám hộ", "ho-tich"),
    "BS": (
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm "
        "quyền của Việt Nam cấp hoặc chứng nhận",
        "chung-thuc",
    ),
    "HD": (
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng "
        "đất, nhà ở",
        "chung-thuc",
    ),
    "DC": ("Chứng thực di chúc", "chung-thuc"),
    "LD": (
        "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu",
        "dat-dai",
    ),
    "BD": (
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "dat-dai",
    ),
    "XD": ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "dat-dai"),
    "HN": ("Công nhận hộ nghèo, hộ cận nghèo phát sinh trong năm", "lao-dong-xa-hoi"),
    "TC": ("Thực hiện trợ cấp xã hội hàng tháng", "lao-dong-xa-hoi"),
    "MT": ("Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "lao-dong-xa-hoi"),
    "NCC": ("Giải quyết chế độ ưu đãi đối với người có công với cách mạng", "lao-dong-xa-hoi"),
    "BH": (
        "Cấp lại, đổi, điều chỉnh thông tin trên sổ bảo hiểm xã hội, thẻ bảo hiểm y tế",
        "lao-dong-xa-hoi",
    ),
    "CC": ("Cấp thẻ Căn cước cho công dân từ đủ 14 tuổi trở lên", "huong-dan"),
    "TR": ("Đăng ký thường trú", "huong-dan"),
    "XT": ("Xóa đăng ký thường trú", "huong-dan"),
    "TA": ("Đăng ký tạm trú", "huong-dan"),
    "TV": ("Khai báo tạm vắng", "huong-dan"),
    "KD": ("Cấp Giấy chứng nhận đăng ký hộ kinh doanh", "kinh-doanh"),
}


@pytest.fixture(scope="module")
def national() -> SearchIndex:
    return SearchIndex(
        [Procedure(code=c, name=n, service=s) for c, (n, s) in NATIONAL.items()],
        synonyms.shipped(),
    )


# What people say, the procedure it means, and what must not be listed.
SAID = [
    ("sổ đỏ", "LD", ["KS", "TL"]),
    ("làm sổ hồng", "LD", ["KS"]),
    ("sang tên sổ đỏ", "BD", ["KS"]),
    ("làm giấy khai sinh", "KS", ["KT", "TA"]),
    ("sinh con", "KS", ["KT"]),
    ("giấy chứng tử", "KT", ["KS", "LD"]),
    ("bố mất", "KT", []),
    ("lấy chồng", "KH", []),
    ("giấy xác nhận độc thân", "TT", ["KH"]),
    ("bản sao giấy khai sinh", "TL", ["KT"]),
    ("công chứng", "BS", ["KS"]),
    ("photo công chứng", "BS", []),
    ("công chứng hợp đồng mua bán đất", "HD", ["KS"]),
    ("thừa kế", "DC", []),
    ("xin phép xây nhà", "XD", []),
    ("hộ nghèo", "HN", ["TL", "TR", "KD"]),
    ("xác nhận hộ cận nghèo", "HN", ["TL"]),
    ("trợ cấp", "TC", []),
    ("tiền ma chay", "MT", []),
    ("thương binh", "NCC", []),
    ("sổ bhxh", "BH", []),
    ("thẻ bhyt", "BH", []),
    ("làm cccd", "CC", ["TR"]),
    ("CMND", "CC", []),
    ("chứng minh nhân dân", "CC", ["LD", "BD", "XD", "KD"]),  # "chứng nhận … dân"
    ("căn cước công dân", "CC", []),
    ("nhập hộ khẩu", "TR", ["HN", "KD"]),
    ("cắt khẩu", "XT", []),
    ("ở trọ", "TA", ["TC"]),
    ("đi làm xa", "TV", []),
    ("mở quán ăn", "KD", []),
    ("so ho", "LD", []),  # typing "sổ hồng"
    ("giám hộ", "GH", ["HN"]),
]


@pytest.mark.parametrize(("query", "expected", "absent"), SAID)
def test_what_people_say_finds_the_procedure(
    national: SearchIndex, query: str, expected: str, absent: list[str]
) -> None:
    hits = national.search(query)
    listed = [(h.procedure.code, h.score, h.matched) for h in hits]
    assert hits and hits[0].procedure.code == expected, listed
    assert not set(absent) & {h.procedure.code for h in hits}, listed


def test_without_synonyms_the_same_words_find_little(national: SearchIndex) -> None:
    """The rows above are the synonyms' work: the bare index does not find them."""
    bare = SearchIndex(national.procedures)
    for query in ["sổ đỏ", "làm cccd", "CMND", "thẻ bhyt", "cắt khẩu", "mở quán ăn"]:
        codes = [h.procedure.code for h in bare.search(query)]
        assert next(e for q, e, _ in SAID if q == query) not in codes[:1], (query, codes)


def test_parse_one_way_and_every_way_rules() -> None:
    s = synonyms.parse(
        "# a comment\n"
        "Sổ Đỏ, so hong => giấy chứng nhận quyền sử dụng đất  # tail comment\n"
        "\n"
        "cccd, căn cước\n"
        "làm giấy khai sinh => đăng ký khai sinh\n"
    )
    rules = {r.source: r.targets for r in s.rules}
    target = ("giai", "chung", "nhan", "quien", "su", "dung", "dat")
    assert rules[("so", "do")] == (target,)
    assert rules[("so", "hong")] == (target,)
    assert target not in rules  # one way
    assert rules[("cccd",)] == (("can", "cuoc"),)
    assert rules[("can", "cuoc")] == (("cccd",),)  # every way
    assert rules[("giai", "khai", "sinh")] == (("dang", "ki", "khai", "sinh"),)  # "làm" dropped


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a => b => c", "line 1: more than one '=>'"),
        ("sổ đỏ =>", "line 1: a phrase is needed on both sides of '=>'"),
        ("\n\nsổ đỏ, , bìa đỏ => đất", "line 3: an empty phrase between commas"),
        ("# x\nsổ đỏ", "line 2: one phrase alone; write 'a, b' or 'a => b'"),
    ],
)
def test_a_bad_line_is_named(text: str, message: str) -> None:
    with pytest.raises(synonyms.SynonymError, match=f"^prov.txt, {message}"):
        synonyms.parse(text, "prov.txt")


def test_the_shipped_list_parses_and_is_large() -> None:
    s = synonyms.shipped()
    assert len(s) >= 150, len(s)
    assert all(r.source and r.targets for r in s.rules)


def test_a_province_adds_its_own_file_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "tinh.txt").write_text("bìa xanh => đăng ký tạm trú\n", encoding="utf-8")
    config = load_config(write_config(tmp_path, extra='[procedures]\nsynonyms = "tinh.txt"\n'))
    found, problem = load_synonyms(config)
    assert problem is None and len(found) == len(synonyms.shipped()) + 1
    index = SearchIndex([Procedure(code="TA", name="Đăng ký tạm trú", service="ho-tich")], found)
    assert [h.procedure.code for h in index.search("bìa xanh")] == ["TA"]
    store = Store(config.database_path)
    try:
        assert Catalogue(store, config).synonyms is found or len(
            Catalogue(store, config).synonyms
        ) == len(found)
    finally:
        store.close()


def test_a_broken_province_file_keeps_the_shipped_list_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "tinh.txt").write_text("bìa xanh =>\n", encoding="utf-8")
    config = load_config(write_config(tmp_path, extra='[procedures]\nsynonyms = "tinh.txt"\n'))
    found, problem = load_synonyms(config)
    assert len(found) == len(synonyms.shipped())
    assert problem is not None and problem.startswith("procedures.synonyms: ")
    assert "tinh.txt, line 1: a phrase is needed on both sides" in problem
    (tmp_path / "tinh.txt").unlink()
    found, problem = load_synonyms(config)
    assert problem is not None and "cannot read" in problem and "tinh.txt" in problem
