/* The booking pages without page loads where a phone can spare them: the centre list
   filtered as one types, and the free slots fetched when the field or day changes.
   The pages work without it (plain forms); ES5 for old phones' browsers. */
(function () {
  "use strict";

  function fold(text) {
    var s = String(text).toLowerCase();
    if (s.normalize) {
      s = s.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    }
    return s.replace(/[đð]/g, "d").replace(/y/g, "i").replace(/[^a-z0-9]+/g, " ").trim();
  }

  function filterCentres() {
    var q = document.getElementById("q");
    var list = document.getElementById("centres");
    if (!q || !list) {
      return;
    }
    var none = document.getElementById("none");
    function apply() {
      var words = fold(q.value).split(" ").filter(function (w) { return w; });
      var items = list.getElementsByTagName("li");
      var shown = 0;
      for (var i = 0; i < items.length; i++) {
        var key = items[i].getAttribute("data-key");
        var ok = words.every(function (w) { return key.indexOf(" " + w) >= 0; });
        items[i].hidden = !ok;
        if (ok) {
          shown++;
        }
      }
      if (none) {
        none.hidden = shown > 0;
      }
    }
    q.addEventListener("input", apply);
  }

  function checked(form, name) {
    var inputs = form.querySelectorAll("input[name='" + name + "']");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].checked) {
        return inputs[i].value;
      }
    }
    return "";
  }

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) {
      el.className = className;
    }
    return el;
  }

  function bookingForm() {
    var choose = document.getElementById("choose");
    var book = document.getElementById("book");
    if (!choose || !book) {
      return;
    }
    var slots = document.getElementById("slots");
    var procedure = document.getElementById("procedure");
    var centre = book.getAttribute("data-centre");
    var asked = 0;

    function showProcedures(service) {
      if (!procedure) {
        return;
      }
      var groups = procedure.getElementsByTagName("optgroup");
      for (var i = 0; i < groups.length; i++) {
        var mine = groups[i].getAttribute("data-service") === service;
        groups[i].hidden = !mine;
        groups[i].disabled = !mine;
      }
      var chosen = procedure.options[procedure.selectedIndex];
      if (chosen && chosen.value && chosen.getAttribute("data-service") !== service) {
        procedure.value = "";
      }
    }

    function message(value) {
      slots.innerHTML = "";
      slots.appendChild(text("p", value, "muted"));
    }

    function render(answer) {
      slots.innerHTML = "";
      if (!answer.slots.length) {
        message("Ngày này không còn giờ trống. Vui lòng chọn ngày khác.");
        return;
      }
      answer.slots.forEach(function (s) {
        var label = document.createElement("label");
        label.className = "choice slot";
        var input = document.createElement("input");
        input.type = "radio";
        input.name = "start";
        input.value = s.start;
        input.required = true;
        label.appendChild(input);
        var words = document.createElement("span");
        words.appendChild(text("b", s.start));
        words.appendChild(text("small", "đến " + s.end));
        words.appendChild(text("small", "còn " + s.free + " chỗ", "free"));
        label.appendChild(words);
        slots.appendChild(label);
      });
    }

    function update() {
      var service = checked(choose, "service");
      var day = checked(choose, "date");
      book.elements.service.value = service;
      book.elements.date.value = day;
      book.elements.procedure.value = procedure ? procedure.value : "";
      showProcedures(service);
      if (!service) {
        message("Chọn lĩnh vực để xem giờ còn chỗ.");
        return;
      }
      var mine = ++asked;
      message("Đang tải giờ còn chỗ…");
      var req = new XMLHttpRequest();
      req.open("GET", "/api/v1/centres/" + encodeURIComponent(centre) + "/slots?service=" +
        encodeURIComponent(service) + "&date=" + encodeURIComponent(day));
      req.timeout = 15000;
      req.onload = function () {
        if (mine !== asked) {
          return;
        }
        var answer = null;
        try {
          answer = JSON.parse(req.responseText);
        } catch (e) {
          answer = null;
        }
        if (req.status === 200 && answer) {
          render(answer);
        } else if (answer && answer.error) {
          message(answer.error.message_vi || "Không tải được giờ còn chỗ.");
        } else {
          message("Không tải được giờ còn chỗ. Vui lòng thử lại.");
        }
      };
      req.onerror = req.ontimeout = function () {
        if (mine === asked) {
          message("Mất kết nối mạng. Vui lòng thử lại.");
        }
      };
      req.send();
    }

    choose.addEventListener("change", update);
    choose.addEventListener("submit", function (e) {
      e.preventDefault();
      update();
    });
    showProcedures(checked(choose, "service"));
    book.addEventListener("submit", function () {
      document.getElementById("submit").disabled = true;
    });
    window.addEventListener("pageshow", function () {
      document.getElementById("submit").disabled = false;
    });
  }

  filterCentres();
  bookingForm();
}());
