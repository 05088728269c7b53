"""``/``: the start page, a Vietnamese list of the server's pages for people.

Whoever types the server's address (a clerk setting up a PC, the technician, a
citizen on the centre's Wi-Fi) lands here instead of an English "Not Found": the
procedure look-up, the waiting-room display, the clerks' console, the reports and
the admin page, each with a line saying who it is for.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from counter_api.web.endpoint import page
from counter_api.web.endpoint import service as _svc
from counter_api.web.signed import page_headers

bp = Blueprint("home", __name__)

#: The start page's links: id, address, name, who it is for.
PLACES = (
    ("thu-tuc", "/thu-tuc", "Tra cứu thủ tục", "Giấy tờ cần mang theo cho từng thủ tục"),
    ("display", "/display", "Màn hình gọi số", "Cho TV phòng chờ: số đang gọi, số người chờ"),
    ("console", "/console", "Bàn làm việc của quầy", "Cán bộ gọi số (đăng nhập bằng mã PIN)"),
    ("report", "/admin/report", "Báo cáo", "Số liệu theo ngày, tháng (mật khẩu quản trị)"),
    ("admin", "/admin", "Quản trị", "Hôm nay, máy in phiếu, sao lưu (mật khẩu quản trị)"),
)


@bp.get("/")
@page()
def start() -> Response:
    """The start page: links to the look-up, the display, the console, reports and admin."""
    places = [dict(zip(("id", "url", "name", "what"), p, strict=True)) for p in PLACES]
    html = render_template("pages/home.html", centre=_svc().config.centre.name, places=places)
    return page_headers(Response(html))
