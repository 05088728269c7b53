// Admin "today": live queues, counters and kiosk printers from the event stream.
// The first event (snapshot) is the /state body; after each later event the page
// reads /api/v1/state once (debounced), so it never polls on a timer.
(function () {
  "use strict";
  var words = JSON.parse(document.getElementById("words").textContent);
  var live = document.getElementById("live");
  var pending = null;

  // The element whose data attribute is exactly this value (a kiosk's name may hold
  // quotes or brackets: it is compared as text, never put into a selector).
  function byData(attr, value) {
    var all = document.querySelectorAll("[" + attr + "]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute(attr) === String(value)) return all[i];
    }
    return null;
  }

  function render(st) {
    st.services.forEach(function (s) {
      var el = document.querySelector('[data-service="' + s.id + '"] [data-waiting]');
      if (el) el.textContent = s.waiting;
    });
    st.counters.forEach(function (c) {
      var row = document.querySelector('[data-counter="' + c.number + '"]');
      if (!row) return;
      var status = row.querySelector("[data-status]");
      status.className = "status-" + c.status;
      status.textContent = words.counter[c.status] + (c.status === "paused" && c.reason ? " (" + c.reason + ")" : "");
      row.querySelector("[data-current]").textContent = c.current ? c.current.code : "—";
      row.querySelector("[data-field]").textContent = c.current ? c.current.service_name : "";
    });
    (st.kiosks || []).forEach(function (k) {
      var row = byData("data-kiosk", k.name);
      if (!row) return;
      var p = row.querySelector("[data-printer]");
      p.className = "printer-" + k.printer;
      p.textContent = words.printer[k.printer] || k.printer;
      var note = row.querySelector("[data-message]");
      note.textContent = k.message || "";
      if (k.conflict) {
        var c = document.createElement("p");
        c.className = "error";
        c.setAttribute("data-conflict", "");
        c.textContent = words.conflict.replace("{name}", k.name)
          .replace("{address}", k.conflict.address).replace("{since}", k.conflict.since.substr(11, 5));
        note.appendChild(c);
      }
      row.querySelector("[data-unprinted]").textContent =
        (k.unprinted || []).map(function (u) { return u.code; }).join(", ");
    });
    if (st.time) document.getElementById("clock").textContent = st.time.substr(11, 5);
  }
  var figuresPending = null;
  function refreshFigures() {  // today's table: at most once a second
    if (figuresPending) return;
    figuresPending = setTimeout(function () {
      figuresPending = null;
      fetch("/admin/figures", { cache: "no-store", credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html) document.getElementById("figures").innerHTML = html; })
        .catch(function () {});
    }, 1000);
  }
  function refresh(e) {
    if (e && e.type && e.type.indexOf("ticket.") === 0 || e.type === "rating.recorded") {
      refreshFigures();
    }
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch("/api/v1/state", { cache: "no-store" }).then(function (r) { return r.json(); })
        .then(render).catch(function () {});
    }, 150);
  }
  var types = ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.done",
    "ticket.no_show", "ticket.held", "ticket.transferred", "ticket.expired", "counter.paused",
    "counter.resumed", "day.rollover", "kiosk.status", "rating.recorded"];
  var es = new EventSource("/api/v1/events");
  es.onopen = function () { live.className = "live"; live.textContent = "● Trực tiếp"; };
  es.onerror = function () { live.className = "live down"; live.textContent = "Mất kết nối máy chủ"; };
  es.addEventListener("snapshot", function (e) { render(JSON.parse(e.data)); });
  types.forEach(function (t) { es.addEventListener(t, refresh); });
})();
