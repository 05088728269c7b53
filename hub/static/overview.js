// The overview: draw one row per centre from the JSON the page carries, sort by a column,
// filter by district or name, and refresh from /api/v1/centres every 15 s.
(function () {
  "use strict";
  var table = document.getElementById("centres");
  var body = document.getElementById("rows");
  var district = document.getElementById("district");
  var search = document.getElementById("search");
  var live = document.getElementById("live");
  var dataEl = document.getElementById("data");
  var initial = JSON.parse(dataEl.textContent);
  var words = initial.printer_words;
  var tzMinutes = parseInt(dataEl.dataset.tzMinutes, 10) || 0;
  var backupOld = parseFloat(dataEl.dataset.backupOldHours) || 48;
  var rank = { paper_out: 0, offline: 1, paper_low: 2, unknown: 3, ok: 4 };
  var sortKey = null, sortDir = 1;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fold(s) {
    return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function local(iso) {  // the hub's local time (Vietnam has no daylight saving)
    var t = Date.parse(iso);
    return isNaN(t) ? null : new Date(t + tzMinutes * 60000);
  }
  // minutes with one decimal, written as Vietnamese readers do: 62,1
  function minutes(s) { return s == null ? "—" : (s / 60).toFixed(1).replace(".", ","); }
  function age(hours) {
    if (hours < 1) return "dưới 1 giờ trước";
    if (hours < 48) return Math.floor(hours) + " giờ trước";
    return Math.floor(hours / 24) + " ngày trước";
  }
  function row(c, now) {
    var link, seen = c.last_seen ? local(c.last_seen) : null;
    if (c.online) link = '<span class="online">Trực tuyến</span>';
    else if (seen) link = '<span class="offline">Mất kết nối từ ' + two(seen.getUTCHours()) + ":" +
      two(seen.getUTCMinutes()) + " " + two(seen.getUTCDate()) + "/" + two(seen.getUTCMonth() + 1) + "</span>";
    else link = '<span class="offline">Chưa kết nối</span>';
    var printers = (c.printers || []).map(function (p) {
      return '<span class="printer-' + esc(p.printer) + '" title="' + esc(p.name) + '">' +
        esc(words[p.printer] || p.printer) + "</span>";
    }).join(", ") || "—";
    var worst = (c.printers || []).reduce(function (m, p) {
      var r = rank[p.printer]; return Math.min(m, r == null ? 3 : r);
    }, 5);
    var backupHours = null, backupText = "—", backupClass = " old";
    var b = c.last_backup_at ? Date.parse(c.last_backup_at) : NaN;
    if (!isNaN(b)) {
      backupHours = Math.max(0, (now - b) / 3600000);
      backupText = age(backupHours);
      backupClass = backupHours > backupOld ? " old" : "";
    }
    c._worst = worst;
    var cells = [
      [c.name, '<a href="/centres/' + encodeURIComponent(c.id) + '">' + esc(c.name) +
        '</a><div class="muted">' + esc(c.district) + "</div>", ""],
      [(c.online ? "0" : "1") + (c.last_seen || ""), link, "l"],
      [c.waiting == null ? -1 : c.waiting, c.waiting == null ? "—" : c.waiting, ""],
      [c.issued_today, c.issued_today, ""],
      [c.served_today, c.served_today, ""],
      [c.wait_avg_s == null ? -1 : c.wait_avg_s, minutes(c.wait_avg_s), ""],
      [c.wait_p90_s == null ? -1 : c.wait_p90_s, minutes(c.wait_p90_s), ""],
      [worst, printers, "l"],
      [backupHours == null ? 99999 : backupHours, backupText, "wide" + backupClass],
      [c.version || "", esc(c.version || "—"), "wide"]
    ];
    return '<tr data-district="' + esc(c.district) + '" data-name="' +
      esc(fold(c.name + " " + c.district + " " + c.id)) + '">' + cells.map(function (x) {
        return '<td data-v="' + esc(x[0]) + '"' + (x[2] ? ' class="' + x[2] + '"' : "") + ">" + x[1] + "</td>";
      }).join("") + "</tr>";
  }
  function draw(centres) {
    var now = Date.now();
    body.innerHTML = centres.map(function (c) { return row(c, now); }).join("");
    var t = { centres: centres.length, online: 0, offline: 0, printers: 0, waiting: 0, issued: 0 };
    centres.forEach(function (c) {
      if (c.online) t.online++; else t.offline++;
      if (c._worst <= 2) t.printers++;
      t.waiting += c.waiting || 0;
      t.issued += c.issued_today || 0;
    });
    Object.keys(t).forEach(function (k) {
      var el = document.getElementById("n-" + k);
      if (el) el.textContent = t[k];
    });
    apply();
  }
  function apply() {
    var d = district.value, q = fold(search.value.trim());
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (tr) {
      tr.hidden = !((!d || tr.dataset.district === d) && (!q || tr.dataset.name.indexOf(q) >= 0));
    });
    if (sortKey !== null) {
      var num = table.tHead.rows[0].cells[sortKey].hasAttribute("data-num");
      rows.sort(function (a, b) {
        var x = a.cells[sortKey].dataset.v, y = b.cells[sortKey].dataset.v;
        return (num ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "vi")) * sortDir;
      });
      var frag = document.createDocumentFragment();
      rows.forEach(function (tr) { frag.appendChild(tr); });
      body.appendChild(frag);
    }
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    th.addEventListener("click", function () {
      var k = parseInt(th.dataset.key, 10);
      sortDir = (sortKey === k) ? -sortDir : (th.hasAttribute("data-num") ? -1 : 1);
      sortKey = k;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      apply();
    });
  });
  district.addEventListener("change", apply);
  search.addEventListener("input", apply);

  function refresh() {
    fetch("/api/v1/centres", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        draw(data.centres);
        var t = local(data.time) || new Date();
        document.getElementById("updated").textContent = two(t.getUTCHours()) + ":" +
          two(t.getUTCMinutes()) + ":" + two(t.getUTCSeconds()) + " " + two(t.getUTCDate()) + "/" +
          two(t.getUTCMonth() + 1) + "/" + t.getUTCFullYear();
        live.textContent = ""; live.classList.remove("down");
      })
      .catch(function () { live.textContent = "Mất kết nối với máy chủ"; live.classList.add("down"); });
  }
  draw(initial.centres);
  setInterval(refresh, 15000);
})();
