"""Every Vietnamese word the kiosk shows or prints, in one place (NFC).

docs/vietnamese.md lists them with the ticket's layout; new phrases are
written in the same plain, polite register ("Vui lòng …").
"""

from __future__ import annotations

import unicodedata


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


TITLE = nfc("LẤY SỐ THỨ TỰ")
PROMPT = nfc("Vui lòng chọn lĩnh vực cần giải quyết")
PRIORITY = nfc("ƯU TIÊN")
PRIORITY_WHO = nfc("Người cao tuổi, người khuyết tật, phụ nữ mang thai, người có công")
PRIORITY_BUTTON = nfc(f"{PRIORITY} — {PRIORITY_WHO}")  # the button: PRIORITY over PRIORITY_WHO
BACK = nfc("Quay lại")
PRINTING = nfc("Đang in phiếu, vui lòng chờ…")
TAKE_TICKET = nfc("Vui lòng nhận phiếu")
PRINTER_FAULT = nfc("Máy in đang gặp sự cố — vui lòng ghi nhớ số thứ tự này")
SEE_GUIDANCE = nfc("Vui lòng liên hệ Quầy hướng dẫn")
CLOSED = nfc("Ngoài giờ lấy số.")
HOURS = nfc("Thời gian làm việc: {hours}")
HOURS_TODAY = nfc("Thời gian làm việc hôm nay: {hours}")
NO_HOURS_TODAY = nfc("Hôm nay không làm việc.")
CLOSED_DAY = nfc("Hôm nay trung tâm nghỉ.")  # a closed day ([centre] closed_days): a holiday
CLOSED_DAY_NO_TICKETS = nfc("Hôm nay không lấy số.")
COME_BACK = nfc("Vui lòng quay lại lấy số từ {when}.")
WHEN_TODAY = nfc("{time} hôm nay")
WHEN_TOMORROW = nfc("{time} ngày mai")
WHEN_LATER = nfc("{time} {weekday}, ngày {date}")
WEEKDAYS = tuple(
    nfc(d) for d in ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
)
CLOSED_BUTTON = nfc("Ngoài giờ lấy số")
# The printer is known broken before anyone taps: the start screen says so.
PRINTER_WARNING = nfc("Máy in đang gặp sự cố. Số sẽ hiện trên màn hình, vui lòng ghi nhớ")
PRINTER_STOPPED = nfc("Máy in đang gặp sự cố, tạm ngừng lấy số.")
PRINTER_STOPPED_BUTTON = nfc("Tạm ngừng lấy số")
GO_TO_GUIDANCE = nfc("Vui lòng đến Quầy hướng dẫn")
OFFLINE = nfc("Hệ thống đang tạm dừng, vui lòng chờ trong giây lát")
ASK_GUIDANCE = nfc("Vui lòng hỏi Quầy hướng dẫn")
LIMIT = nfc("Lĩnh vực {service} đã hết số thứ tự trong ngày hôm nay")
WAITING_ON_BUTTON = nfc("Đang chờ: {n}")

# The procedure look-up (tra cứu thủ tục).
LOOKUP_BUTTON = nfc("Tra cứu thủ tục")
LOOKUP_DETAIL = nfc("Xem giấy tờ cần mang theo")
LOOKUP_DETAIL_SHORT = nfc("Giấy tờ cần mang")  # beside priority and "Đã đặt lịch"
LOOKUP_TITLE = nfc("TRA CỨU THỦ TỤC")
LOOKUP_PROMPT = nfc("Chọn lĩnh vực, hoặc gõ tên thủ tục để tìm")
LOOKUP_EMPTY = nfc("Chưa có danh sách thủ tục. Vui lòng hỏi Quầy hướng dẫn.")
SEARCH_BUTTON = nfc("Gõ tên thủ tục để tìm")
NO_ACCENTS = nfc("Không cần gõ dấu — ví dụ: khai sinh")
PROCEDURE_COUNT = nfc("{n} thủ tục")
QUERY_HINT = nfc("Gõ tên thủ tục, không cần dấu")
TYPE_HINT = nfc("Chạm vào các chữ bên dưới để gõ. Ví dụ: khai sinh")
SEARCHING = nfc("Đang tìm…")
NOT_FOUND = nfc("Không tìm thấy thủ tục nào. Vui lòng gõ ít chữ hơn, hoặc hỏi Quầy hướng dẫn.")
KEY_BACKSPACE = nfc("⌫ Xóa")
KEY_CLEAR = nfc("Xóa hết")
KEY_SPACE = nfc("Dấu cách")
KEY_RESULTS = nfc("Xem kết quả")
KEY_RESULTS_N = nfc("Xem {n} kết quả")
RESULTS_FIELD = nfc("Lĩnh vực: {service}")
RESULTS_QUERY = nfc("Kết quả tìm: “{query}”")
RESULTS_COUNT = nfc("{n} thủ tục — chạm vào tên để xem giấy tờ cần mang theo")
UP = nfc("▲ Lên")
DOWN = nfc("▼ Xuống")
UP_SHORT = nfc("▲")
DOWN_SHORT = nfc("▼")
DETAIL_TITLE = nfc("THÔNG TIN THỦ TỤC")
LOADING = nfc("Đang tải…")
ISSUE_FOR_PROCEDURE = nfc("Lấy số cho thủ tục này")
PRINT_CHECKLIST = nfc("In danh sách giấy tờ")
LIST_PRINTING = nfc("Đang in danh sách giấy tờ, vui lòng chờ…")
LIST_PRINTED = nfc("Vui lòng nhận danh sách giấy tờ")
LIST_FAULT = nfc("Máy in đang gặp sự cố — vui lòng hỏi Quầy hướng dẫn")
SAMPLE = nfc("Dữ liệu mẫu")

# A number booked ahead on the province hub (đặt lịch), checked in here.
BOOKING_BUTTON = nfc("Đã đặt lịch")
BOOKING_DETAIL = nfc("Quét mã QR hoặc nhập mã đặt lịch")  # in the bottom row
BOOKING_DETAIL_SHORT = nfc("Quét mã QR")  # beside priority and the look-up
BOOKING_TITLE = nfc("ĐÃ ĐẶT LỊCH")
BOOKING_PROMPT = nfc(
    "Đưa mã QR của lịch hẹn vào máy quét, hoặc chạm các phím để nhập mã đặt lịch (6 ký tự)"
)
BOOKING_CODE_HINT = nfc("Mã đặt lịch")
BOOKING_GO = nfc("Lấy số")
BOOKING_CHECKING = nfc("Đang kiểm tra lịch hẹn, vui lòng chờ…")
BOOKED_LINE = nfc("ĐẶT LỊCH — giờ hẹn {time}")
LATE_LINE = nfc("Đã quá giờ nhận số của lịch hẹn {time}: đây là số thứ tự thường")
#: Why a booking gets no ticket: (headline, what to do), by the server's error code.
BOOKING_REFUSED = {
    "too_early": (
        nfc("Chưa đến giờ nhận số của lịch hẹn"),
        nfc("Lịch hẹn lúc {slot}. Vui lòng quay lại lấy số từ {opens}."),
    ),
    "booking_used": (
        nfc("Lịch hẹn này đã được dùng để lấy số"),
        nfc("Vui lòng liên hệ Quầy hướng dẫn"),
    ),
    "booking_cancelled": (
        nfc("Lịch hẹn này đã bị hủy"),
        nfc("Vui lòng chọn lĩnh vực để lấy số thường, hoặc hỏi Quầy hướng dẫn"),
    ),
    "wrong_centre": (
        nfc("Lịch hẹn này không phải của trung tâm này"),
        nfc("Vui lòng xem lại địa chỉ trung tâm trong lịch hẹn"),
    ),
    "booking_forged": (
        nfc("Mã QR không hợp lệ"),
        nfc("Vui lòng liên hệ Quầy hướng dẫn"),
    ),
    "unknown_booking": (
        nfc("Không tìm thấy lịch hẹn"),
        nfc("Vui lòng kiểm tra lại mã đặt lịch, hoặc hỏi Quầy hướng dẫn"),
    ),
    "unknown_service": (
        nfc("Lĩnh vực của lịch hẹn không còn nhận hồ sơ tại đây"),
        nfc("Vui lòng liên hệ Quầy hướng dẫn"),
    ),
}
BOOKING_TYPED = nfc("Mã đã nhập: {code}")

# The ticket, top to bottom.
TICKET_TITLE = nfc("SỐ THỨ TỰ")
TICKET_FIELD = nfc("Lĩnh vực: {service}")
TICKET_PRIORITY = nfc("(ƯU TIÊN)")
TICKET_PROCEDURE = nfc("Thủ tục: {name}")
TICKET_BOOKED = nfc("(ĐẶT LỊCH — giờ hẹn {time})")
TICKET_LATE = nfc("Đến sau giờ hẹn {time}: số thứ tự thường")
TICKET_AHEAD = nfc("Số người đang chờ phía trước: {n}")
TICKET_WAIT = nfc("Thời gian chờ dự kiến: khoảng {minutes} phút")
TICKET_SOON = nfc("Sắp đến lượt")  # instead of a wait of 0 minutes (or less)
TICKET_ISSUED = nfc("Lấy số lúc: {time} — {date}")
TICKET_SCAN = nfc("Quét mã để theo dõi lượt")
TICKET_LISTEN = nfc("Vui lòng chú ý màn hình và loa gọi số.")
TICKET_TODAY = nfc("Số thứ tự chỉ có giá trị trong ngày.")

# The printed documents checklist.
CHECKLIST_TITLE = nfc("HƯỚNG DẪN CHUẨN BỊ HỒ SƠ")
CHECKLIST_SCAN = nfc("Quét mã để xem thủ tục trên điện thoại")
CHECKLIST_PRINTED = nfc("In ngày {date}")
CHECKLIST_SAMPLE = nfc("DỮ LIỆU MẪU — chưa phải danh mục chính thức của địa phương")

# The technician's test ticket.
TEST_TITLE = nfc("IN THỬ — KIỂM TRA MÁY IN")
TEST_SERVICE = nfc("In thử")
TEST_LETTERS = (
    nfc("A Ă Â B C D Đ E Ê G H I K L M N O Ô Ơ P Q R S T U Ư V X Y"),
    nfc("a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y"),
    nfc("À Á Ả Ã Ạ Ằ Ắ Ẳ Ẵ Ặ Ầ Ấ Ẩ Ẫ Ậ È É Ẻ Ẽ Ẹ Ề Ế Ể Ễ Ệ"),
    nfc("Ì Í Ỉ Ĩ Ị Ò Ó Ỏ Õ Ọ Ồ Ố Ổ Ỗ Ộ Ờ Ớ Ở Ỡ Ợ"),
    nfc("Ù Ú Ủ Ũ Ụ Ừ Ứ Ử Ữ Ự Ỳ Ý Ỷ Ỹ Ỵ"),
    nfc("à á ả ã ạ ằ ắ ẳ ẵ ặ ầ ấ ẩ ẫ ậ è é ẻ ẽ ẹ ề ế ể ễ ệ"),
    nfc("ì í ỉ ĩ ị ò ó ỏ õ ọ ồ ố ổ ỗ ộ ờ ớ ở ỡ ợ"),
    nfc("ù ú ủ ũ ụ ừ ứ ử ữ ự ỳ ý ỷ ỹ ỵ"),
    nfc("0 1 2 3 4 5 6 7 8 9 : — – / ( ) . ,"),
)

# Printer status messages for clerks (POST /api/v1/kiosks/status).
PRINTER_MESSAGES = {
    "ok": "",
    "paper_low": nfc("Máy in sắp hết giấy"),
    "paper_out": nfc("Máy in hết giấy"),
    "offline": nfc("Máy in không phản hồi"),
}


def wait_text(minutes: int | None, ahead: int | None = None) -> str:
    """The expected wait as the ticket and the screen say it: "khoảng N phút", or
    "Sắp đến lượt" for the first in line (never a wait of 0 or less)."""
    if minutes is None:
        return ""
    if minutes <= 0 or ahead == 0:
        return TICKET_SOON
    return TICKET_WAIT.format(minutes=minutes)
