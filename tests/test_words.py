"""One way to address people across the product (docs/vietnamese.md, "Addressing
people"): every string a citizen, a clerk or the centre's head reads or hears,
found by walking the code, never from a hand-made list.

- the pages' templates (text and the attributes people read; the server's and the hub's),
- the pages' scripts (every string literal with Vietnamese in it),
- the Python code (every string constant with Vietnamese in it, docstrings aside:
  kiosk/words.py, sothutu/wall.py, the voice, the server's messages, …),
- and the quotes of them in README.md and docs/*.md.

Calls (the display's and the voice's) say "công dân"; what citizens read uses no
form of address; staff pages speak of "công dân" in the third person; nothing
anywhere says "bạn", "quý khách", "quý vị", "ông/bà" or "anh/chị".
"""

from __future__ import annotations

import ast
import html.parser
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tests.support import ROOT

#: Forms of address the product never uses.
FORBIDDEN = re.compile(
    r"(?<!\w)(bạn|quý khách|quý vị|ông\s*/\s*bà|anh\s*/\s*chị|ông|bà|anh|chị)(?!\w)",
    re.IGNORECASE,
)
CONG_DAN = re.compile(r"(?<!\w)công dân(?!\w)", re.IGNORECASE)

#: Where "công dân" belongs: calls (display, voice) and staff pages (of citizens).
CALLS = (
    "sothutu/wall.py",
    "sothutu/voice/",
    "display/",
    "counter_api/templates/display/",
    "counter_api/static/display/",
    "counter_api/web/display_page.py",
    "counter_api/web/voice",
)
STAFF = (
    "counter_api/templates/console/",
    "counter_api/static/console/",
    "counter_api/web/console.py",
    "counter_api/templates/pages/admin",
    "counter_api/static/pages/admin.js",
    "counter_api/static/pages/report.js",
    "counter_api/web/admin.py",
    "counter_api/reports/",
    "sothutu/reports/",
    "hub/",
    "keypads/",
    "deploy/",
    "sothutu/config.py",
)
#: What citizens read on the province hub (its booking pages), inside STAFF's "hub/".
HUB_CITIZENS = (
    "hub/templates/booking/",
    "hub/static/booking.js",
    "hub/web/booking_",
    "hub/bookings.py",
    "hub/booking_rules.py",
)
#: The Python packages people's words live in.
PACKAGES = ("counter_api", "kiosk", "display", "keypads", "sothutu", "hub", "deploy")


@dataclass(frozen=True)
class Said:
    """One string people see or hear, and where it is."""

    where: str  # "path:line"
    text: str


def _vietnamese(text: str) -> bool:
    return any(ord(ch) > 127 and ch.isalpha() for ch in text)


def context(path: str) -> str:
    if path.startswith(CALLS):
        return "call"
    if path.startswith(HUB_CITIZENS):
        return "citizen"
    if path.startswith(STAFF):
        return "staff"
    return "citizen"


def problems(path: str, text: str) -> list[str]:
    """What is wrong with one string in its place (empty: nothing)."""
    text = unicodedata.normalize("NFC", text)
    found = [f"uses {m.group(1)!r}" for m in FORBIDDEN.finditer(text)]
    if context(path) == "citizen" and CONG_DAN.search(text):
        found.append("addresses citizens as 'công dân' where they read it themselves")
    return found


# --- walking the code ---------------------------------------------------------------


class _Text(html.parser.HTMLParser):
    """Text and readable attributes of a template, Jinja's tags taken out first."""

    READ = ("placeholder", "aria-label", "title", "alt", "value", "label")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in self.READ and value and _vietnamese(value):
                self.found.append((self.getpos()[0], value))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip and _vietnamese(data):
            self.found.append((self.getpos()[0], " ".join(data.split())))


def _jinja_free(source: str) -> str:
    """The template with Jinja's comments, statements and expressions blanked (lines kept)."""

    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    return re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", blank, source, flags=re.DOTALL)


def template_strings(path: Path) -> list[Said]:
    parser = _Text()
    parser.feed(_jinja_free(path.read_text(encoding="utf-8")))
    rel = path.relative_to(ROOT).as_posix()
    return [Said(f"{rel}:{line}", text) for line, text in parser.found]


_JS_STRING = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`""")
_JS_COMMENT = re.compile(r"/\*.*?\*/|(?<![:'\"\\])//[^\n]*", re.DOTALL)


def script_strings(path: Path) -> list[Said]:
    source = path.read_text(encoding="utf-8")
    source = _JS_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    rel = path.relative_to(ROOT).as_posix()
    out = []
    for m in _JS_STRING.finditer(source):
        text = m.group(0)[1:-1]
        if _vietnamese(text):
            out.append(Said(f"{rel}:{source.count(chr(10), 0, m.start()) + 1}", text))
    return out


def python_strings(path: Path) -> list[Said]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    rel = path.relative_to(ROOT).as_posix()
    return [
        Said(f"{rel}:{node.lineno}", node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and _vietnamese(node.value)
    ]


_QUOTE = re.compile(r'"([^"\n]*(?:\n[^"\n]*)?)"')


def doc_quotes(path: Path) -> list[Said]:
    """Vietnamese quoted in a document, outside the section that names the forms."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(
        r"## Addressing people\n.*?(?=\n## )",
        lambda m: re.sub(r"[^\n]", " ", m.group(0)),
        text,
        flags=re.DOTALL,
    )
    rel = path.relative_to(ROOT).as_posix()
    return [
        Said(f"{rel}:{text.count(chr(10), 0, m.start()) + 1}", " ".join(m.group(1).split()))
        for m in _QUOTE.finditer(text)
        if _vietnamese(m.group(1))
    ]


def everything_said() -> list[Said]:
    said: list[Said] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("**/templates/**/*.html")):
            said += template_strings(path)
        for path in sorted((ROOT / package).glob("**/static/**/*.js")):
            said += script_strings(path)
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            said += python_strings(path)
    return said


def test_one_way_to_address_people() -> None:
    said = everything_said()
    texts = {s.text for s in said}
    # the walk finds the words people meet, wherever they live
    for known in (
        "MỜI CÔNG DÂN CÓ SỐ",  # sothutu/wall.py
        "Mời công dân có số thứ tự",  # the voice
        "LẤY SỐ THỨ TỰ",  # kiosk/words.py
        "Xin cảm ơn!",  # the rating tablet's script and page
        "Cấp số cho công dân",  # the console
        "Tìm thủ tục cần làm",  # /thu-tuc
        "Không tìm thấy trang",  # the error pages
    ):
        assert known in texts, known
    assert len(said) > 300, len(said)
    # the rule itself catches each wrong form in its place
    assert problems("kiosk/words.py", "Sắp đến lượt bạn")
    assert problems("counter_api/static/pages/rate.js", "Cảm ơn quý khách!")
    assert problems("counter_api/templates/pages/status.html", "Kính mời ông/bà")
    assert problems("counter_api/static/pages/status.js", "MỜI CÔNG DÂN ĐẾN QUẦY 1")
    assert not problems("counter_api/static/console/console.js", "Cấp số cho công dân")
    assert not problems("sothutu/wall.py", "MỜI CÔNG DÂN CÓ SỐ")
    assert not problems("counter_api/web/home.py", "Bàn làm việc của quầy")
    assert problems("hub/templates/booking/show.html", "Mời công dân đến đúng giờ")

    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    quoted = [q for path in docs for q in doc_quotes(path)]
    assert any("MỜI ĐẾN QUẦY" in q.text for q in quoted)
    wrong = [f"{s.where}: {s.text!r}: {', '.join(problems(s.where, s.text))}" for s in said]
    wrong = [w for s, w in zip(said, wrong, strict=True) if problems(s.where, s.text)]
    wrong += [
        f"{q.where}: {q.text!r}: {m.group(1)!r}" for q in quoted for m in FORBIDDEN.finditer(q.text)
    ]
    assert not wrong, "forms of address out of place:\n" + "\n".join(wrong)
