// Rating tablet at counter N: shows the faces when the counter finishes a ticket
// (event ticket.done from the server's event stream), one rating per ticket,
// back to idle after the rating window. No polling: EventSource only.
(function () {
  "use strict";
  var app = document.getElementById("app");
  var counter = Number(app.dataset.counter);
  var csrf = app.dataset.csrf;
  var windowMs = Number(app.dataset.window) * 1000;
  var screens = { idle: "idle", ask: "ask", thanks: "thanks" };
  var ticket = null, timer = null, sending = false;

  function show(name) {
    Object.keys(screens).forEach(function (k) {
      document.getElementById(screens[k]).hidden = k !== name;
    });
  }
  function idle() { ticket = null; clearTimeout(timer); show("idle"); }
  function thanks(text) {
    clearTimeout(timer);
    ticket = null;
    document.getElementById("thanks-text").textContent = text;
    show("thanks");
    timer = setTimeout(idle, 4000);
  }
  function ask(t) {
    ticket = t;
    document.getElementById("ask-code").textContent = t.code;
    show("ask");
    clearTimeout(timer);
    timer = setTimeout(idle, windowMs);
  }

  document.querySelectorAll(".face").forEach(function (btn) {
    btn.addEventListener("click", function () {
      if (!ticket || sending) return;
      sending = true;
      var body = JSON.stringify({ ticket: ticket.id, score: Number(btn.dataset.score) });
      fetch("/rate/" + counter + "/submit", {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }
      }).then(function (r) {
        if (r.ok) { thanks("Xin cảm ơn!"); return; }
        if (r.status === 401) { location.reload(); return; }
        thanks("Phiếu này không còn đánh giá được. Xin cảm ơn!");
      }).catch(function () {
        thanks("Chưa gửi được đánh giá. Xin cảm ơn!");
      }).then(function () { sending = false; });
    });
  });

  var live = document.getElementById("live");
  var es = new EventSource("/api/v1/events");
  es.onopen = function () { live.textContent = "Đã kết nối"; };
  es.onerror = function () { live.textContent = "Mất kết nối máy chủ — đang thử lại…"; };
  es.addEventListener("ticket.done", function (e) {
    var d = JSON.parse(e.data);
    if (d.counter === counter && d.ticket) ask(d.ticket);
  });
  es.addEventListener("rating.recorded", function (e) {
    var d = JSON.parse(e.data);
    if (ticket && d.rating && d.rating.ticket === ticket.id) thanks("Xin cảm ơn!");
  });
  es.addEventListener("day.rollover", idle);
  window.sothutuRate = { state: function () { return ticket ? "ask" : "idle"; } };
})();
