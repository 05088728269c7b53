"""The browser pages' JavaScript and CSS (counter_api/static, and the printed reports'
stylesheet in sothutu/reports/static) work on old Chromium.

Smart TVs of 2016-2019 in the communes (LG webOS 4, Samsung Tizen 4) and old PCs run
Chromium 53 to 63. eslint (eslint-plugin-es-x: nothing newer than ES2016;
eslint-plugin-compat: no web API that Chrome 53 lacks) and stylelint
(stylelint-no-unsupported-browser-features, from caniuse) check every file against
the browserslist of package.json, "chrome >= 53". The tools come from npm with the
versions of package-lock.json (`make test` runs `npm ci` when npm is there); the check
itself runs offline. Without node or the tools it skips (fails under
SOTHUTU_REQUIRE_DEBIAN=1, as in CI).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT, debian_tool

STATIC = ROOT / "counter_api" / "static"
#: The citizens' booking pages of the province hub, opened on cheap and old phones.
HUB_PHONE = [ROOT / "hub" / "static" / "booking.js", ROOT / "hub" / "static" / "booking.css"]
TEMPLATES = ROOT / "counter_api" / "templates"
#: The printed reports' stylesheet and templates, shared with the province hub.
REPORT_STATIC = ROOT / "sothutu" / "reports" / "static"
REPORT_TEMPLATES = ROOT / "sothutu" / "reports" / "templates"
BIN = ROOT / "node_modules" / ".bin"


def tool(name: str) -> list[str]:
    """The command of an npm tool of package.json: node and the tool's script."""
    node = debian_tool("node", "the browser-compatibility lint (Debian package nodejs)")
    script = BIN / name
    if not script.exists():
        reason = (
            f"needs {name} from npm: run `npm ci` in {ROOT} (make test does when npm is "
            "installed; Debian package npm)"
        )
        if os.environ.get("SOTHUTU_REQUIRE_DEBIAN") == "1":
            pytest.fail(reason + "; SOTHUTU_REQUIRE_DEBIAN=1 forbids skipping")
        pytest.skip(reason)
    return [node, str(script.resolve())]


def run(cmd: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=180, check=False
    )


def test_the_target_is_chrome_53() -> None:
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert package["browserslist"] == ["chrome >= 53"]
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["lockfileVersion"] >= 2 and lock["packages"][""]["devDependencies"]


def test_every_script_passes_eslint() -> None:
    files = sorted(STATIC.rglob("*.js")) + [f for f in HUB_PHONE if f.suffix == ".js"]
    assert len(files) >= 7  # display, console, pages, booking
    r = run([*tool("eslint"), "--max-warnings", "0", *map(str, files)])
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_stylesheet_passes_stylelint() -> None:
    files = sorted([*STATIC.rglob("*.css"), *REPORT_STATIC.rglob("*.css")])
    files += [f for f in HUB_PHONE if f.suffix == ".css"]
    assert len(files) >= 5
    r = run([*tool("stylelint"), "--max-warnings", "0", *map(str, files)])
    assert r.returncode == 0, r.stdout + r.stderr


NEWER_JS = """
(function () {
  'use strict';
  async function f() { await g(); }
  var a = { ...b };
  var c = d?.e;
  var ctrl = new AbortController();
  var v = Object.values({});
  document.body.append('x');
  fetch('/x').finally(function () {});
}());
"""

NEWER_CSS = """
.a { display: grid; grid-template-columns: 1fr 1fr; }
.b { display: flex; gap: 8px; }
.c { width: min(10px, 5vw); }
"""


def test_the_lint_refuses_what_chrome_53_lacks() -> None:
    """The checks can fail: each feature of a modern page is caught."""
    r = run(
        [*tool("eslint"), "--stdin", "--stdin-filename", str(STATIC / "display" / "new.js")],
        NEWER_JS,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    for rule in [
        "es-x/no-async-functions",
        "es-x/no-rest-spread-properties",
        "es-x/no-optional-chaining",
        "es-x/no-object-values",
        "compat/compat",
        "no-restricted-syntax",  # append, finally
    ]:
        assert rule in r.stdout, (rule, r.stdout)
    assert "AbortController is not supported in Chrome 53" in r.stdout
    assert len(re.findall(r"no-restricted-syntax", r.stdout)) == 2
    r = run(
        [*tool("stylelint"), "--stdin-filename", str(STATIC / "display" / "new.css")], NEWER_CSS
    )
    assert r.returncode != 0
    out = r.stdout + r.stderr
    for feature in ["css-grid", "flexbox-gap", "css-math-functions"]:
        assert feature in out, (feature, out)


def test_pages_have_no_script_or_style_the_lint_does_not_see() -> None:
    """Scripts and styles live in counter_api/static (linted); a template only carries
    JSON data in a script element. The same for the shared report templates and the
    hub's booking pages."""
    for path in [
        *TEMPLATES.rglob("*.html"),
        *REPORT_TEMPLATES.rglob("*.html"),
        *(ROOT / "hub/templates/booking").rglob("*.html"),
    ]:
        html = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert "<style" not in html, path


def test_node_modules_stay_out_of_git() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "node_modules/" in ignored
    assert Path(ROOT / "package-lock.json").exists()
