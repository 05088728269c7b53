// The report pages: the print button; beside each dd/mm/yyyy box a small calendar of our
// own (a native date box would follow the browser's language); a reversed range swapped
// before it is sent. Without script the boxes still take typed dates and the server
// swaps a reversed range itself. No inline script: the pages have a strict CSP.
(function () {
  "use strict";
  var printButton = document.getElementById("print");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });

  var WEEKDAYS = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"];

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function show(d) { return two(d.getDate()) + "/" + two(d.getMonth() + 1) + "/" + d.getFullYear(); }
  function make(y, m, d) {  // a real day of the calendar, or null (31/02)
    var out = new Date(y, m - 1, d);
    return out.getFullYear() === y && out.getMonth() === m - 1 && out.getDate() === d ? out : null;
  }
  function parse(text) {  // dd/mm/yyyy (also - or .) or YYYY-MM-DD, as the server reads them
    var m = /^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$/.exec(text);
    if (m) return make(+m[3], +m[2], +m[1]);
    m = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text);
    return m ? make(+m[1], +m[2], +m[3]) : null;
  }
  function sameDay(a, b) { return a && b && a.getTime() === b.getTime(); }

  var form = document.getElementById("period");
  if (!form || !form.elements.from || !form.elements.to) return;
  var from = form.elements.from, to = form.elements.to;
  form.addEventListener("submit", function () {
    var a = parse(from.value), b = parse(to.value);
    if (a && b && a > b) {
      var keep = from.value;
      from.value = to.value;
      to.value = keep;
    }
  });

  var open = null;  // {box, input, button, month}
  function close(focusBack) {
    if (!open) return;
    open.box.parentNode.removeChild(open.box);
    open.button.setAttribute("aria-expanded", "false");
    if (focusBack) open.button.focus();
    open = null;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function draw() {
    var box = open.box, month = open.month;
    box.innerHTML = "";
    var head = el("div", "cal-head");
    var prev = el("button", "cal-nav", "‹");
    prev.type = "button";
    prev.setAttribute("aria-label", "Tháng trước");
    prev.setAttribute("data-step", "-1");
    var next = el("button", "cal-nav", "›");
    next.type = "button";
    next.setAttribute("aria-label", "Tháng sau");
    next.setAttribute("data-step", "1");
    head.appendChild(prev);
    head.appendChild(el("span", "cal-title", "Tháng " + (month.getMonth() + 1) + "/" + month.getFullYear()));
    head.appendChild(next);
    box.appendChild(head);
    var table = el("table", "cal-grid");
    var tr = el("tr");
    WEEKDAYS.forEach(function (w) { tr.appendChild(el("th", "", w)); });
    table.appendChild(tr);
    var chosen = parse(open.input.value);
    var now = new Date();
    var today = make(now.getFullYear(), now.getMonth() + 1, now.getDate());
    var first = make(month.getFullYear(), month.getMonth() + 1, 1);
    var lead = (first.getDay() + 6) % 7;  // Monday first
    var day = new Date(first.getFullYear(), first.getMonth(), 1 - lead);
    for (var week = 0; week < 6; week++) {
      tr = el("tr");
      for (var i = 0; i < 7; i++) {
        var td = el("td");
        if (day.getMonth() === month.getMonth()) {
          var b = el("button", "cal-day", String(day.getDate()));
          b.type = "button";
          b.setAttribute("data-day", show(day));
          if (sameDay(day, chosen)) b.className += " chosen";
          if (sameDay(day, today)) b.className += " today";
          td.appendChild(b);
        }
        tr.appendChild(td);
        day = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1);
      }
      table.appendChild(tr);
      if (day.getMonth() !== month.getMonth()) break;
    }
    box.appendChild(table);
  }
  function toggle(button) {
    var input = document.getElementById(button.getAttribute("data-for"));
    var again = open && open.input === input;
    close(false);
    if (again) return;
    var chosen = parse(input.value) || new Date();
    var box = el("div", "calendar");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "Chọn ngày");
    button.parentNode.appendChild(box);
    button.setAttribute("aria-expanded", "true");
    open = { box: box, input: input, button: button,
      month: new Date(chosen.getFullYear(), chosen.getMonth(), 1) };
    draw();
    box.addEventListener("click", function (e) {
      var t = e.target;
      if (t.getAttribute("data-step")) {
        open.month = new Date(open.month.getFullYear(), open.month.getMonth() + +t.getAttribute("data-step"), 1);
        draw();
      } else if (t.getAttribute("data-day")) {
        open.input.value = t.getAttribute("data-day");
        close(true);
      }
      e.stopPropagation();
    });
  }
  var buttons = form.querySelectorAll("button.pick");
  Array.prototype.forEach.call(buttons, function (b) {
    b.hidden = false;
    b.setAttribute("aria-expanded", "false");
    b.addEventListener("click", function (e) { e.stopPropagation(); toggle(b); });
  });
  document.addEventListener("click", function () { close(false); });
  document.addEventListener("keydown", function (e) {
    if (e.keyCode === 27) close(true);  // Escape
  });
})();
