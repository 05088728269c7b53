// The overview: sort by a column, filter by district or name, refresh every 15 s.
(function () {
  "use strict";
  var table = document.getElementById("centres");
  var body = document.getElementById("rows");
  var district = document.getElementById("district");
  var search = document.getElementById("search");
  var live = document.getElementById("live");
  var sortKey = null, sortDir = 1;

  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }
  function apply() {
    var d = district.value, q = fold(search.value.trim());
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (tr) {
      var ok = (!d || tr.dataset.district === d) && (!q || tr.dataset.name.indexOf(q) >= 0);
      tr.hidden = !ok;
    });
    if (sortKey !== null) {
      var th = table.tHead.rows[0].cells[sortKey];
      var num = th.hasAttribute("data-num");
      rows.sort(function (a, b) {
        var x = a.cells[sortKey].dataset.v, y = b.cells[sortKey].dataset.v;
        var c = num ? (parseFloat(x) - parseFloat(y)) : x.localeCompare(y, "vi");
        return c * sortDir;
      });
      rows.forEach(function (tr) { body.appendChild(tr); });
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
    fetch("/overview/rows", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        body.innerHTML = data.rows;
        Object.keys(data.totals).forEach(function (k) {
          var el = document.getElementById("n-" + k);
          if (el) el.textContent = data.totals[k];
        });
        document.getElementById("updated").textContent = data.updated;
        live.textContent = ""; live.classList.remove("down");
        apply();
      })
      .catch(function () { live.textContent = "Mất kết nối với máy chủ"; live.classList.add("down"); });
  }
  setInterval(refresh, 15000);
})();
