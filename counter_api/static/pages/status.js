// Citizen's status page: one ticket, live from /t/ID/events (this ticket only).
(function () {
  "use strict";
  var app = document.getElementById("app");
  var id = app.dataset.id;
  var box = document.getElementById("ticket");
  var stateEl = document.getElementById("state");
  var facts = document.getElementById("facts");
  var live = document.getElementById("live");

  function hhmm(iso) { return iso ? iso.substr(11, 5) : ""; }
  function row(label, value) {
    var d = document.createElement("div");
    var a = document.createElement("span"); a.textContent = label;
    var b = document.createElement("b"); b.textContent = value;
    d.appendChild(a); d.appendChild(b); return d;
  }
  function render(view) {
    var t = view.ticket;
    box.className = "ticket " + t.status;
    document.getElementById("code").textContent = t.code;
    document.getElementById("field").textContent = t.service_name;
    var moved = document.getElementById("moved");
    moved.hidden = !view.moved_from;
    moved.textContent = view.moved_from
      ? "Đã chuyển từ lĩnh vực " + view.moved_from + " sang lĩnh vực " + t.service_name : "";
    var nav = document.getElementById("procedures");
    nav.textContent = "";
    (view.links || []).forEach(function (link) {
      var a = document.createElement("a");
      a.href = link.url;
      a.textContent = link.text;
      nav.appendChild(a);
    });
    facts.textContent = "";
    var counter = view.counter_name || ("Quầy " + t.counter);
    if (t.status === "waiting") {
      // First in line: "Sắp đến lượt", never an expected wait of 0 minutes.
      var soon = t.waiting_ahead === 0 || !(t.estimated_wait_minutes > 0);
      stateEl.textContent = soon ? "Sắp đến lượt" : "Đang chờ đến lượt";
      facts.appendChild(row("Số người đang chờ phía trước", String(t.waiting_ahead)));
      if (!soon) {
        facts.appendChild(row("Thời gian chờ dự kiến", "khoảng " + t.estimated_wait_minutes + " phút"));
      }
    } else if (t.status === "called") {
      stateEl.textContent = "MỜI ĐẾN " + counter.toUpperCase();
      if (t.calls > 1) facts.appendChild(row("Số lần gọi", String(t.calls)));
      facts.appendChild(row("Gọi lúc", hhmm(t.called_at)));
    } else if (t.status === "done") {
      stateEl.textContent = "Đã hoàn thành. Xin cảm ơn!";
    } else if (t.status === "no_show") {
      stateEl.textContent = "Đã gọi số nhưng vắng mặt";
      facts.appendChild(row("Vui lòng liên hệ", counter + " hoặc Quầy hướng dẫn"));
    } else if (t.status === "held") {
      stateEl.textContent = "Hồ sơ đang tạm giữ";
      facts.appendChild(row("Vui lòng", "bổ sung giấy tờ và chờ gọi lại"));
    } else if (t.status === "expired") {
      stateEl.textContent = "Phiếu đã hết hạn";
    }
    facts.appendChild(row("Lấy số lúc", hhmm(t.issued_at)));
    document.title = "Số " + t.code + " — " + stateEl.textContent;
  }

  render(JSON.parse(document.getElementById("initial").textContent));
  var done = false, retry = null;
  function connect() {
    var es = new EventSource("/t/" + id + "/events");
    es.onopen = function () { live.className = "live"; live.textContent = "Tự động cập nhật"; };
    es.addEventListener("ticket", function (e) {
      var view = JSON.parse(e.data);
      render(view);
      if (view.ticket.status === "done" || view.ticket.status === "expired") {
        done = true; es.close(); live.textContent = "";
      }
    });
    es.onerror = function () {
      if (done) return;
      live.className = "live down";
      live.textContent = "Mất kết nối — đang thử lại…";
      if (es.readyState === EventSource.CLOSED && !retry) {  // refused (busy): try later
        retry = setTimeout(function () { retry = null; connect(); }, 30000);
      }
    };
  }
  connect();
})();
