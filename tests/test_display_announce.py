"""Announcement words and clip sequences (sothutu.voice.announce, pure)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sothutu.voice import announce
from sothutu.voice.announce import CLIPS, LETTER_NAMES, announcement, split_code
from sothutu.voice.numbers import MAX
from tests.support import ROOT

FIRST = "Mời công dân có số thứ tự"
AGAIN = "Mời lần thứ hai, công dân có số thứ tự"

TEXTS = [
    # code, counter, recall, dialect, sentence
    ("A015", 2, False, "north", f"{FIRST} A mười lăm, đến quầy số hai."),
    ("A015", 2, True, "north", f"{AGAIN} A mười lăm, đến quầy số hai."),
    ("B001", 1, False, "north", f"{FIRST} bê một, đến quầy số một."),
    ("C120", 16, False, "north", f"{FIRST} xê một trăm hai mươi, đến quầy số mười sáu."),
    ("D021", 4, False, "north", f"{FIRST} dê hai mươi mốt, đến quầy số bốn."),
    ("Đ024", 5, False, "north", f"{FIRST} đê hai mươi tư, đến quầy số năm."),
    ("E005", 3, False, "north", f"{FIRST} E năm, đến quầy số ba."),
    ("G105", 11, False, "north", f"{FIRST} giê một trăm linh năm, đến quầy số mười một."),
    (
        "H1014",
        21,
        False,
        "north",
        f"{FIRST} hát một nghìn không trăm mười bốn, đến quầy số hai mươi mốt.",
    ),
    ("K1005", 15, True, "south", f"{AGAIN} ca một ngàn không trăm lẻ năm, đến quầy số mười lăm."),
    ("AB007", 10, False, "north", f"{FIRST} A bê bảy, đến quầy số mười."),
    ("0024", 3, False, "north", f"{FIRST} hai mươi tư, đến quầy số ba."),
    ("a015", 2, False, "north", f"{FIRST} A mười lăm, đến quầy số hai."),
    ("A000", 1, False, "north", f"{FIRST} A không, đến quầy số một."),
]


ORDINALS = [
    # the ticket's calls after a recall → the words after "Mời lần thứ"
    (None, "hai"),
    (1, "hai"),  # a recall is at least the second call
    (2, "hai"),
    (3, "ba"),
    (4, "tư"),  # never "thứ bốn"
    (5, "năm"),
    (7, "bảy"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
]


@pytest.mark.parametrize(("calls", "words"), ORDINALS)
def test_a_recall_says_which_call_it_is(calls: int | None, words: str) -> None:
    ann = announcement("A015", 2, recall=True, calls=calls)
    assert (
        ann.sentence == f"Mời lần thứ {words}, công dân có số thứ tự A mười lăm, đến quầy số hai."
    )
    said = [CLIPS[c] for c in ann.clips[1 : ann.clips.index("cong-dan")]]
    assert " ".join(said) == f"Mời lần thứ {words}"  # the clips say the same words
    assert ann.pauses_ms[ann.clips.index("cong-dan") - 1] == announce.PAUSE_COMMA
    # a first call ignores calls
    assert announcement("A015", 2, calls=calls).sentence.startswith(FIRST)


def test_a_recall_count_must_be_a_whole_number() -> None:
    for bad in (True, 2.0, "3"):
        with pytest.raises(ValueError):
            announcement("A015", 2, recall=True, calls=bad)


@pytest.mark.parametrize(("code", "counter", "recall", "dialect", "sentence"), TEXTS)
def test_sentence(code: str, counter: int, recall: bool, dialect: str, sentence: str) -> None:
    ann = announcement(code, counter, recall=recall, dialect=dialect)
    assert ann.sentence == sentence
    assert ann.text == sentence


def docs_section(title: str) -> str:
    text = (ROOT / "docs" / "vietnamese.md").read_text(encoding="utf-8")
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_design_examples_word_for_word() -> None:
    # docs/vietnamese.md, "Announcements"
    assert announcement("A015", 2).text == (
        "Mời công dân có số thứ tự A mười lăm, đến quầy số hai."
    )
    assert announcement("A015", 2, recall=True).text == (
        "Mời lần thứ hai, công dân có số thứ tự A mười lăm, đến quầy số hai."
    )
    section = docs_section("Announcements")
    assert f'"{announcement("A015", 2).text}"' in section
    assert f'"{announcement("A015", 2, recall=True).text}"' in section


def test_the_docs_name_every_letter_as_it_is_read() -> None:
    cells = [
        cell.strip()
        for line in docs_section("Announcements").splitlines()
        if line.startswith("| ") and not line.startswith("| letter")
        for cell in line.strip("|").split("|")
    ]
    pairs = {cells[i]: cells[i + 1] for i in range(0, len(cells), 2) if cells[i]}
    assert pairs == LETTER_NAMES


def test_letters_named_as_the_design_says() -> None:
    named = {"A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "G": "giê"}
    named |= {"H": "hát", "K": "ca"}
    for letter, name in named.items():
        assert LETTER_NAMES[letter] == name
    # Every letter a prefix may hold ([A-ZĐ]) has a name and a clip.
    for letter in [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "Đ"]:
        assert announce.letter_clip(letter) in CLIPS
        assert CLIPS[announce.letter_clip(letter)] == LETTER_NAMES[letter]


CLIP_TABLE = [
    (
        dict(code="A015", counter=2),
        ["chime", "moi-cong-dan", "chu-a", "so-10", "so-lam", "den-quay", "so-2"],
    ),
    (
        dict(code="B121", counter=14, recall=True),
        [
            "chime",
            "moi-lan-thu",
            "so-2",
            "cong-dan",
            "chu-b",
            "so-1",
            "so-tram",
            "so-2",
            "so-muoi",
            "so-mot",
            "den-quay",
            "so-10",
            "so-4",
        ],
    ),
    (
        dict(code="Đ1005", counter=24, dialect="south"),
        [
            "chime",
            "moi-cong-dan",
            "chu-dd",
            "so-1",
            "so-ngan",
            "so-0",
            "so-tram",
            "so-le",
            "so-5",
            "den-quay",
            "so-2",
            "so-muoi",
            "so-tu",
        ],
    ),
    (
        dict(code="C004", counter=1, repeat=2),
        [
            "chime",
            "moi-cong-dan",
            "chu-c",
            "so-4",
            "den-quay",
            "so-1",
            "moi-cong-dan",
            "chu-c",
            "so-4",
            "den-quay",
            "so-1",
        ],
    ),
    (
        dict(code="C004", counter=1, chime=False),
        ["moi-cong-dan", "chu-c", "so-4", "den-quay", "so-1"],
    ),
    (dict(code="C004", counter=1, speech=False), ["chime"]),
    (
        dict(code="C004", counter=1, recall=True, calls=4, chime=False),
        ["moi-lan-thu", "so-tu", "cong-dan", "chu-c", "so-4", "den-quay", "so-1"],
    ),
]


@pytest.mark.parametrize(("kwargs", "clips"), CLIP_TABLE)
def test_clip_sequence(kwargs: dict, clips: list[str]) -> None:
    ann = announcement(**kwargs)
    assert list(ann.clips) == clips
    assert len(ann.pauses_ms) == len(ann.clips)
    assert ann.pauses_ms[-1] == 0


def test_pauses_mark_the_comma_and_the_repeat() -> None:
    ann = announcement("A015", 2, repeat=2)
    pauses = dict(zip(range(len(ann.clips)), ann.pauses_ms, strict=True))
    lam = ann.clips.index("so-lam")
    assert pauses[lam] == announce.PAUSE_COMMA  # "... A mười lăm, | đến quầy số hai"
    second = ann.clips.index("moi-cong-dan", 2)
    assert pauses[second - 1] == announce.PAUSE_REPEAT
    assert ann.text == " ".join([ann.sentence] * 2)


def test_every_clip_of_every_announcement_is_in_the_pack() -> None:
    for n in range(10000):
        for dialect in ("north", "south"):
            for c in announcement(
                f"A{n:03d}", n % 99 + 1, dialect=dialect, recall=n % 2 == 1
            ).clips:
                assert c in CLIPS, (n, c)
    # and the pack has nothing unused: every clip is reachable
    used = set()
    for n in [*range(10000), MAX]:
        for dialect in ("north", "south"):
            used |= set(announcement(f"Đ{n}", 1, dialect=dialect).clips)
            used |= set(announcement("A1", n, dialect=dialect, recall=True).clips)
    used |= {announce.letter_clip(x) for x in LETTER_NAMES}
    assert used == set(CLIPS)


def test_clip_names_are_plain_file_names() -> None:
    for name in CLIPS:
        assert name.isascii() and name.replace("-", "").isalnum(), name


@pytest.mark.parametrize("bad", ["", "A-15", "15A", "ABCD1", "A 15", "A1234567", "Ă015"])
def test_bad_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        split_code(bad)


def test_split_code() -> None:
    assert split_code("A015") == ("A", 15)
    assert split_code(" đ007 ") == ("Đ", 7)
    assert split_code("123") == ("", 123)


def test_bad_repeat_or_counter_is_refused() -> None:
    with pytest.raises(ValueError):
        announcement("A1", 1, repeat=3)
    with pytest.raises(ValueError):
        announcement("A1", -1)


def test_json_for_the_browser_display() -> None:
    ann = announcement("A015", 2, recall=True)
    data = ann.to_json()
    assert data["clips"] == list(ann.clips)
    assert data["pauses_ms"] == list(ann.pauses_ms)
    assert data["text"] == ann.text and data["recall"] is True and data["counter"] == 2


def test_announce_module_imports_without_pygame() -> None:
    code = (
        "import sys; import sothutu.voice.announce, sothutu.voice.numbers, display.state; "
        "sys.exit(1 if any(m.startswith('pygame') for m in sys.modules) else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()


def test_say_text_prints_the_words(tmp_path) -> None:
    from tests.support import write_config

    cfg = write_config(tmp_path, extra='[voice]\ndialect = "south"\nrepeat = 2\n')
    done = subprocess.run(
        [sys.executable, "-m", "display", "--config", str(cfg), "say", "B105", "3", "--text"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    one = "Mời công dân có số thứ tự bê một trăm lẻ năm, đến quầy số ba."
    assert done.stdout.strip() == f"{one} {one}"
    bad = subprocess.run(
        [sys.executable, "-m", "display", "--config", str(cfg), "say", "1A", "3", "--text"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "not a ticket code" in bad.stderr
