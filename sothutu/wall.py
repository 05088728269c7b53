"""What both wall displays (pygame and browser) show, and their timing rules.

The words on the TV and the constants of the display's state rules, in one
place: ``display/state.py`` folds events with them and the browser display
gets them from the server (``/display`` page settings), so the two screens
say and do the same.
"""

# Words on the screen, Vietnamese (NFC).
TEXT_CALL = "MỜI CÔNG DÂN CÓ SỐ"
TEXT_TO_COUNTER = "ĐẾN QUẦY"
TEXT_SERVING = "ĐANG PHỤC VỤ"
TEXT_RECENT = "SỐ VỪA GỌI"
TEXT_WAITING = "Số người đang chờ"
TEXT_LOST = "Mất kết nối máy chủ"
TEXT_LAST_UPDATE = "Cập nhật lần cuối"
TEXT_CONNECTING = "Đang kết nối máy chủ…"
TEXT_STALE = "Các số trên màn hình có thể chưa được cập nhật"
TEXT_NO_CALL = "Chưa có số nào được gọi"
TEXT_PAUSED = "Tạm dừng"
TEXT_COUNTER = "Quầy"
TEXT_BOOKED = "ĐẶT LỊCH"  # on the newest call when it was booked ahead (called before walk-ins)

RECENT_KEPT = 10  # calls remembered, newest first (as /state's recent_calls)
BLINK_SECONDS = 0.5  # half a blink period
LIVE_AFTER = 2.0  # seconds after a (re)connect: earlier events may be a replay burst
CONNECT_GRACE = 5.0  # seconds "connecting" may show before it counts as lost
