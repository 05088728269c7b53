"""Procedure search over a catalogue of 2,000 procedures (target: under 10 ms a query),
in process and through a real server.

The catalogue is the shipped sample plus generated procedures built from the
words of real commune, district and province catalogues (deterministic), so
the vocabulary and the document lists are as large as a province's whole list.
"""

from __future__ import annotations

import random
import statistics
import time

from counter_api.procedures import synonyms
from counter_api.procedures.csvio import read_catalogue
from counter_api.procedures.search import SearchIndex
from sothutu.procedures.model import Document, Procedure
from tests.support import ROOT

SERVICES = {
    "ho-tich": "Hộ tịch",
    "chung-thuc": "Chứng thực",
    "dat-dai": "Đất đai",
    "lao-dong-xa-hoi": "Lao động – Thương binh – Xã hội",
    "huong-dan": "Hướng dẫn / Khác",
}
SAMPLE = ROOT / "deploy" / "procedures.sample.csv"
TARGET_MS = 10.0

_ACTIONS = [
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Gia hạn",
    "Điều chỉnh",
    "Thu hồi",
    "Đăng ký",
    "Đăng ký lại",
    "Xác nhận",
    "Công nhận",
    "Giải quyết",
    "Thẩm định",
    "Phê duyệt",
    "Chấm dứt",
    "Hỗ trợ",
]
_OBJECTS = [
    "giấy phép xây dựng nhà ở riêng lẻ",
    "giấy chứng nhận đăng ký hộ kinh doanh",
    "giấy phép kinh doanh karaoke",
    "chế độ trợ cấp một lần cho người có công",
    "giấy chứng nhận quyền sử dụng đất",
    "hợp đồng thuê đất nông nghiệp",
    "hồ sơ mai táng phí cho cựu chiến binh",
    "trợ cấp thờ cúng liệt sĩ",
    "giấy phép khai thác nước dưới đất",
    "phương tiện thủy nội địa",
    "tổ hợp tác",
    "hòa giải viên ở cơ sở",
    "trường mầm non tư thục",
    "cơ sở trợ giúp xã hội ngoài công lập",
    "giấy xác nhận không thuộc diện cấp giấy phép lao động",
    "thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
    "chứng chỉ hành nghề dược",
    "biển số nhà",
    "giấy phép lái xe",
    "danh hiệu gia đình văn hóa",
    "lễ hội truyền thống",
    "cụm công nghiệp",
    "nhà văn hóa thôn",
    "đề án khuyến nông",
    "giấy phép sử dụng vật liệu nổ công nghiệp",
    "hộ nghèo, hộ cận nghèo",
    "giám hộ",
    "nuôi con nuôi trong nước",
    "quyền tác giả",
    "cây xanh đô thị",
]
_QUALIFIERS = [
    "",
    "cho hộ gia đình, cá nhân",
    "có yếu tố nước ngoài",
    "lưu động",
    "trực tuyến",
    "tại Ủy ban nhân dân cấp xã",
    "đối với trường hợp bị mất, hư hỏng",
    "theo yêu cầu của tổ chức",
    "trong khu vực biên giới",
]
_DOCUMENTS = [
    "Tờ khai theo mẫu",
    "Đơn đề nghị",
    "Căn cước hoặc hộ chiếu",
    "Giấy chứng nhận quyền sử dụng đất",
    "Bản vẽ thiết kế",
    "Hợp đồng thuê nhà",
    "Giấy khám sức khỏe",
    "Ảnh chân dung 4x6",
    "Biên bản kiểm tra hiện trường",
    "Văn bản ủy quyền có chứng thực",
    "Quyết định của cơ quan có thẩm quyền",
    "Sơ yếu lý lịch có xác nhận",
    "Giấy xác nhận của trưởng thôn",
    "Bảng kê tài sản",
    "Chứng từ nộp lệ phí",
    "Giấy phép kinh doanh cũ",
    "Báo cáo đánh giá tác động môi trường",
    "Danh sách thành viên",
]


def sample() -> list[Procedure]:
    return read_catalogue(SAMPLE.read_bytes(), SERVICES)


def make_catalogue(n: int = 2000, seed: int = 9) -> list[Procedure]:
    """The sample plus generated procedures up to ``n``."""
    rng = random.Random(seed)
    out = sample()
    services = list(SERVICES)
    i = 0
    while len(out) < n:
        i += 1
        name = " ".join(
            x for x in (rng.choice(_ACTIONS), rng.choice(_OBJECTS), rng.choice(_QUALIFIERS)) if x
        )
        docs = tuple(
            Document(d, rng.randint(0, 1), rng.randint(0, 2) or 1, "")
            for d in rng.sample(_DOCUMENTS, rng.randint(2, 7))
        )
        out.append(
            Procedure(
                code=f"9.{i:06d}",
                name=name[0].upper() + name[1:],
                service=rng.choice(services),
                documents=docs,
                processing_time="05 ngày làm việc",
                fees="Không",
            )
        )
    return out


QUERIES = [
    "khai sinh",
    "dang ky khai sinh",
    "đăng ký khai sinh",
    "làm giấy khai sinh",
    "khia sinh",
    "ket hon",
    "chung thuc ban sao",
    "giay phep xay dung",
    "giấy phép xây dựng nhà ở riêng lẻ",
    "cap lai giay chung nhan quyen su dung dat bi mat",
    "tro cap",
    "ho ngheo",
    "giay phep lai xe",
    "ngheo",
    "xac nhan tinh trang hon nhan",
    "thưong binh liet si",
    "c",
    "dang",
    "1.001193",
    "xyzzy",
    "sổ đỏ",
    "lam cccd",
    "nhap ho khau cho con",
    "dang ky ket ho",
]


def measure(index: SearchIndex, rounds: int = 20) -> dict[str, float]:
    """Milliseconds per query over ``QUERIES``: median, p99 and max."""
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            t0 = time.perf_counter()
            index.search(q, limit=50)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "median": statistics.median(times),
        "p99": times[int(len(times) * 0.99) - 1],
        "max": times[-1],
    }


def measure_server(catalogue: list[Procedure], requests: int = 400) -> dict[str, float]:
    """Milliseconds per ``GET /api/v1/procedures?q=`` on a real server (kept-alive)."""
    import http.client
    import tempfile
    import urllib.parse
    from pathlib import Path

    from counter_api.procedures.csvio import write_catalogue
    from tests.procedures_fixtures import write_procedures_config
    from tests.support import ServerProcess, free_port

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalogue.csv"
        path.write_bytes(write_catalogue(catalogue))
        port = free_port()
        server = ServerProcess(write_procedures_config(Path(tmp), path, port=port), port)
        t0 = time.perf_counter()
        server.start(timeout=60)
        start_s = time.perf_counter() - t0
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            times = []
            for n in range(requests):
                q = urllib.parse.quote(QUERIES[n % len(QUERIES)])
                t0 = time.perf_counter()
                conn.request("GET", f"/api/v1/procedures?q={q}&limit=50")
                resp = conn.getresponse()
                resp.read()
                times.append((time.perf_counter() - t0) * 1000)
                assert resp.status == 200
            conn.close()
        finally:
            server.stop()
    times.sort()
    return {
        "start": start_s,
        "median": statistics.median(times),
        "p99": times[int(len(times) * 0.99) - 1],
    }


def run() -> list[str]:
    catalogue = make_catalogue(2000)
    t0 = time.perf_counter()
    index = SearchIndex(catalogue, synonyms.shipped())
    build_ms = (time.perf_counter() - t0) * 1000
    m = measure(index, rounds=50)
    api = measure_server(catalogue)
    ok = "✓" if m["p99"] < TARGET_MS else "✗"
    return [
        "## Procedure search",
        "",
        f"A catalogue of {len(catalogue)} procedures (the sample plus generated ones), "
        f"{len(QUERIES)} queries (with and without marks, typos, one letter, a code, "
        "citizens' words rewritten by the shipped synonym list), 50 rounds; pure "
        "function, in process.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| build the index | {build_ms:.0f} ms | once per catalogue version |",
        f"| query, median | {m['median']:.2f} ms | |",
        f"| query, p99 | {m['p99']:.2f} ms | < {TARGET_MS:.0f} ms {ok} |",
        f"| query, max | {m['max']:.2f} ms | |",
        f"| server start, importing the 2,000-row CSV | {api['start']:.1f} s | |",
        f"| `GET /api/v1/procedures?q=`, median | {api['median']:.2f} ms | real server |",
        f"| `GET /api/v1/procedures?q=`, p99 | {api['p99']:.2f} ms | real server |",
    ]
