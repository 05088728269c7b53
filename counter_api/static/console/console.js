/* Sothutu clerk console: one counter's screen, live from the event stream.
 *
 * Plain ES2017 for old Chromium/Firefox, no libraries. The page's state comes
 * from the boot JSON the server rendered, then from /api/v1/events (the
 * EventSource resumes after the boot state's last_event_id, so nothing is
 * missed). Actions call the same /api/v1 endpoints as a keypad, authenticated
 * by the session cookie plus the X-CSRF-Token header. One action at a time:
 * buttons are disabled while a request is in flight and for a short quiet time
 * after it, and held keys (key repeat) are ignored, so a double click or a
 * held key never calls two tickets.
 */
(function () {
  'use strict';

  var boot = JSON.parse(document.getElementById('boot').textContent);
  var ME = boot.counter.number;
  var CSRF = boot.csrf;
  var QUIET_MS = 700; // after an action, before the next one is accepted
  var REQUEST_TIMEOUT_MS = 10000;

  var ERRORS = {
    counter_paused: 'Quầy đang tạm dừng. Bấm "Mở lại quầy" (phím D) để gọi số.',
    no_current_ticket: 'Quầy chưa có số nào đang phục vụ.',
    not_callable: 'Không gọi được số này: số đã xong, đang ở quầy khác, đã hết hạn hoặc không thuộc lĩnh vực của quầy.',
    unknown_ticket: 'Hôm nay không có số này.',
    ambiguous_code: 'Có nhiều lĩnh vực cùng số này. Vui lòng chọn lĩnh vực.',
    same_service: 'Số này đã ở lĩnh vực đó.',
    unknown_service: 'Lĩnh vực không tồn tại.',
    unknown_counter: 'Quầy không tồn tại.',
    unknown_kiosk: 'Không tìm thấy máy lấy số.',
    no_kiosk: 'Chưa có máy lấy số nào để in phiếu.',
    closed: 'Ngoài giờ lấy số.',
    daily_limit_reached: 'Lĩnh vực này đã hết số trong ngày.',
    forbidden: 'Quầy không có quyền làm việc này.',
    unauthorized: 'Phiên đăng nhập đã hết. Vui lòng đăng nhập lại.',
    invalid_request: 'Yêu cầu không hợp lệ.',
    too_large: 'Yêu cầu quá lớn.',
    unavailable: 'Máy chủ đang bận, vui lòng thử lại sau giây lát.',
    too_many_streams: 'Máy chủ đang quá tải kết nối, vui lòng thử lại sau.',
    internal: 'Máy chủ gặp lỗi, vui lòng thử lại.',
    unknown_procedure: 'Không tìm thấy thủ tục này trong danh mục (danh mục có thể vừa được cập nhật).',
    service_mismatch: 'Thủ tục này thuộc lĩnh vực khác.',
    unknown_booking: 'Không tìm thấy lịch hẹn với mã này (mã gồm 6 ký tự, ví dụ K7M3PX).',
    booking_used: 'Lịch hẹn này đã được dùng để lấy số.',
    booking_cancelled: 'Lịch hẹn này đã bị hủy.',
    wrong_centre: 'Lịch hẹn này là của trung tâm khác.',
    booking_forged: 'Mã QR không hợp lệ.',
    too_early: 'Chưa đến giờ nhận số của lịch hẹn này.',
    network: 'Không liên lạc được máy chủ. Thao tác có thể chưa được thực hiện — xem lại màn hình trước khi bấm lại.'
  };

  var STATUS_TEXT = { open: 'Đang mở — chờ gọi số', serving: 'Đang phục vụ', paused: 'Tạm dừng' };
  var TICKET_STATUS = { held: 'Tạm giữ', no_show: 'Vắng mặt', done: 'Hoàn thành', called: 'Đang gọi', waiting: 'Đang chờ', expired: 'Hết hạn' };
  var PRINTER_TEXT = {
    ok: 'Bình thường', paper_low: 'Sắp hết giấy', paper_out: 'Hết giấy',
    offline: 'Không phản hồi', unknown: 'Chưa có thông tin'
  };

  var serviceNames = {};
  boot.services.forEach(function (s) { serviceNames[s.id] = s.name; });
  var shownServices = boot.counter.guidance ? boot.services.map(function (s) { return s.id; })
    : boot.counter.services;

  var state = {
    counter: null,      // this counter as in /state
    waiting: {},        // service id -> count
    kiosks: {},         // name -> kiosk
    held: {},           // ticket id -> ticket (held or no_show at this counter)
    skewMs: 0,          // server clock - this PC's clock
    lastId: 0,
    online: null,       // null until the stream first opens or fails
    busy: false,
    dialog: null        // the open dialog's key handler, or null
  };

  var $ = function (id) { return document.getElementById(id); };
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button.act'));
  var downKeys = {};

  // --- state from the server ------------------------------------------------

  function applyState(s) {
    s.counters.forEach(function (c) { if (c.number === ME) state.counter = c; });
    s.services.forEach(function (svc) { state.waiting[svc.id] = svc.waiting; });
    state.kiosks = {};
    (s.kiosks || []).forEach(function (k) { state.kiosks[k.name] = k; });
    if (s.time) state.skewMs = Date.parse(s.time) - Date.now();
    state.lastId = s.last_event_id;
  }

  function setHeld(list) {
    state.held = {};
    list.forEach(function (t) { state.held[t.id] = t; });
  }

  function trackHeld(t) {
    if (t.counter === ME && (t.status === 'held' || t.status === 'no_show')) state.held[t.id] = t;
    else delete state.held[t.id];
  }

  function onTicketEvent(type, data) {
    var t = data.ticket;
    if (data.waiting) Object.keys(data.waiting).forEach(function (k) { state.waiting[k] = data.waiting[k]; });
    trackHeld(t);
    var c = state.counter;
    if (!c) return;
    var mine = c.current && c.current.id === t.id;
    if ((type === 'ticket.called' || type === 'ticket.recalled') && data.counter === ME) {
      c.current = t;
    } else if (mine) {
      c.current = (t.status === 'called' && t.counter === ME) ? t : null;
    }
    if (c.status !== 'paused') c.status = c.current ? 'serving' : 'open';
  }

  function onEvent(type, data) {
    if (type === 'snapshot') {
      applyState(data);
      refreshHeld();
    } else if (type.indexOf('ticket.') === 0 && data.ticket) {
      if (type !== 'ticket.reprint') onTicketEvent(type, data);
    } else if (type.indexOf('counter.') === 0 && data.counter) {
      if (data.counter.number === ME) state.counter = data.counter;
    } else if (type === 'kiosk.status' && data.kiosk) {
      state.kiosks[data.kiosk.name] = data.kiosk;
    } else if (type === 'day.rollover') {
      state.held = {};
      if (state.counter) {
        state.counter.current = null;
        if (state.counter.status !== 'paused') state.counter.status = 'open';
      }
      Object.keys(state.waiting).forEach(function (k) { state.waiting[k] = 0; });
    }
    render();
  }

  // --- the event stream -------------------------------------------------------

  var TYPES = ['snapshot', 'ticket.issued', 'ticket.called', 'ticket.recalled', 'ticket.done',
    'ticket.no_show', 'ticket.held', 'ticket.transferred', 'ticket.expired', 'counter.paused',
    'counter.resumed', 'day.rollover', 'kiosk.status', 'ticket.reprint'];
  var source = null;
  var retryTimer = null;
  var watchdog = null;
  // The server sends a `heartbeat` event when the stream is quiet (EventSource hides
  // `: ping` comments). Nothing at all for two of them and a bit: the connection is
  // dead even if the browser has not noticed (a pulled cable): say so, reconnect.
  var HEARTBEAT = boot.heartbeat || 5;
  var SILENT_MS = (2 * HEARTBEAT + 3) * 1000;

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (source) source.close();
    var es = source = new EventSource('/api/v1/events?heartbeat=' + HEARTBEAT +
      '&lastEventId=' + encodeURIComponent(state.lastId));
    es.onopen = function () {
      if (es !== source) return;
      heard();
      setOnline(true);
    };
    es.onerror = function () {
      if (es !== source) return;
      setOnline(false);
      if (es.readyState === EventSource.CLOSED && !retryTimer) {
        // The server answered but not with a stream (e.g. busy): start again later.
        source = null;
        retryTimer = setTimeout(connect, 3000);
      }
    };
    TYPES.forEach(function (type) {
      es.addEventListener(type, function (e) {
        if (es !== source) return;
        heard();
        var id = parseInt(e.lastEventId, 10);
        // After a reconnect the server replays from state.lastId; never apply twice.
        if (type !== 'snapshot' && !isNaN(id) && id <= state.lastId) return;
        if (!isNaN(id)) state.lastId = id;
        var data;
        try { data = JSON.parse(e.data); } catch (err) { return; }
        onEvent(type, data);
      });
    });
    es.addEventListener('heartbeat', function () { if (es === source) heard(); });
    heard();
  }

  function heard() {
    clearTimeout(watchdog);
    watchdog = setTimeout(silent, SILENT_MS);
  }

  function silent() {
    setOnline(false);
    connect();
  }

  function setOnline(value) {
    if (state.online === value) return;
    state.online = value;
    $('banner').hidden = value;
    document.body.setAttribute('data-online', value ? '1' : '0');
    if (value) {
      refreshHeld();
      checkStorage();
    }
    render();
  }

  // After the server found its database damaged at start and recovered it (health's
  // `storage`), clerks see it until the admin page acknowledges it: some tickets of
  // the day may be missing.
  function checkStorage() {
    return api('GET', '/api/v1/health').then(function (h) {
      var s = h && h.storage;
      var banner = $('storage-banner');
      if (!s || s.status !== 'recovered') { banner.hidden = true; return; }
      var at = new Date(Date.parse(s.at));
      var when = isNaN(at.getTime()) ? '' : ' lúc ' + pad(at.getHours()) + ':' + pad(at.getMinutes()) +
        ' ngày ' + pad(at.getDate()) + '/' + pad(at.getMonth() + 1);
      banner.textContent = 'Dữ liệu của hệ thống bị hỏng và đã được khôi phục' + when +
        '. Một số số thứ tự hôm nay có thể bị thiếu: xem lại các số đang chờ và báo kỹ thuật viên.';
      banner.hidden = false;
    }, function () {});
  }

  // --- requests ----------------------------------------------------------------

  // Issuing a ticket, a reprint and the counter actions carry a request_id: one that got no answer
  // (timed out, connection lost, the server restarting) is sent again with the same id,
  // a few times with growing pauses, and the server does it once whatever got lost.
  var IDEMPOTENT = /^\/api\/v1\/(tickets|tickets\/\d+\/reprint|counters\/\d+\/(next|recall|done|no-show|hold|transfer|call|pause|resume))$/;
  var RETRY_MS = [1000, 2000, 4000];

  function requestId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
  }

  function api(method, path, body) {
    if (method !== 'POST' || !IDEMPOTENT.test(path)) return request(method, path, body);
    var sent = {};
    Object.keys(body || {}).forEach(function (k) { sent[k] = body[k]; });
    sent.request_id = requestId();
    var attempt = function (i) {
      return request(method, path, sent).catch(function (err) {
        var again = err && (err.code === 'network' || err.status === 503);
        if (!again || i >= RETRY_MS.length) throw err;
        say('Chưa nhận được trả lời của máy chủ — đang gửi lại…', 'info');
        return new Promise(function (resolve) { setTimeout(resolve, RETRY_MS[i]); }).then(function () {
          return attempt(i + 1);
        });
      });
    };
    return attempt(0);
  }

  function request(method, path, body) {
    var headers = { 'Accept': 'application/json', 'X-CSRF-Token': CSRF };
    var opts = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    // A request that hangs counts as a network error after REQUEST_TIMEOUT_MS; where the
    // browser can (Chrome 66 and up), it is also aborted.
    // eslint-disable-next-line compat/compat -- feature-detected; older browsers only race
    var ctrl = window.AbortController ? new window.AbortController() : null;
    if (ctrl) opts.signal = ctrl.signal;
    var timer = null;
    var late = new Promise(function (resolve, reject) {
      timer = setTimeout(function () {
        if (ctrl) ctrl.abort();
        reject({ code: 'network' });
      }, REQUEST_TIMEOUT_MS);
    });
    var answer = fetch(path, opts).then(function (resp) {
      clearTimeout(timer);
      return resp.json().catch(function () { return null; }).then(function (data) {
        if (resp.ok) return data;
        var code = data && data.error && data.error.code ? data.error.code : 'internal';
        throw { code: code, status: resp.status, error: data && data.error };
      });
    }, function () {
      clearTimeout(timer);
      throw { code: 'network' };
    });
    return Promise.race([answer, late]);
  }

  function errorText(err) {
    if (err && err.text) return err.text;
    return ERRORS[err && err.code] || ('Lỗi: ' + ((err && err.code) || 'không rõ'));
  }

  function say(text, kind) {
    var m = $('message');
    m.textContent = text;
    m.className = 'message ' + (kind || 'info');
  }

  function refreshHeld() {
    return api('GET', '/api/v1/counters/' + ME + '/tickets?status=held,no_show').then(function (data) {
      setHeld(data.tickets);
      render();
    }, function (err) {
      if (err.code === 'unauthorized') expired();
    });
  }

  function expired() {
    window.location.href = '/console?expired=1';
  }

  // Runs one action (``work`` returns a promise): nothing else is accepted until it
  // answers and a quiet time passed. (Promises, not async/await: Chrome 53 has none.)
  function run(work) {
    if (state.busy || !state.online) return Promise.resolve();
    state.busy = true;
    render();
    var quiet = function () {
      setTimeout(function () { state.busy = false; render(); }, QUIET_MS);
    };
    return Promise.resolve().then(work).then(quiet, function (err) {
      if (err && err.code === 'unauthorized') { expired(); return; }
      say(errorText(err), 'error');
      quiet();
    });
  }

  function counterPath(action) { return '/api/v1/counters/' + ME + '/' + action; }

  function applyResult(data) {
    if (data && data.counter && data.counter.number === ME) state.counter = data.counter;
    render();
  }

  var ACTIONS = {
    next: function () {
      return run(function () {
        return api('POST', counterPath('next')).then(function (data) {
          if (data.ticket) {
            onTicketEvent('ticket.called', { ticket: data.ticket, counter: ME });
            say('Đã gọi số ' + data.ticket.code + '.', 'ok');
          } else {
            if (data.finished) onTicketEvent('ticket.done', { ticket: data.finished, counter: ME });
            say('Không còn ai đang chờ trong các lĩnh vực của quầy.', 'info');
          }
          render();
        });
      });
    },
    recall: simple('recall', function (t) { return 'Đã gọi lại số ' + t.code + '.'; }),
    done: simple('done', function (t) { return 'Số ' + t.code + ' đã hoàn thành.'; }),
    'no-show': simple('no-show', function (t) { return 'Số ' + t.code + ' vắng mặt.'; }),
    hold: simple('hold', function (t) { return 'Đã tạm giữ hồ sơ số ' + t.code + '.'; }),
    transfer: function () { openTransfer(); },
    call: function () { openCall(); },
    reprint: function () {
      var t = state.counter && state.counter.current;
      if (t) reprint(t);
    },
    pause: function () {
      var paused = state.counter && state.counter.status === 'paused';
      return run(function () {
        return api('POST', counterPath(paused ? 'resume' : 'pause')).then(function (data) {
          applyResult(data);
          say(paused ? 'Quầy đã mở lại.' : 'Quầy đang tạm dừng.', 'ok');
        });
      });
    },
    issue: function () { openIssue(); },
    booking: function () { openBooking(); },
    procedures: function () { openProcedures(); }
  };

  function simple(action, text) {
    return function () {
      return run(function () {
        return api('POST', counterPath(action)).then(function (data) {
          var type = { recall: 'ticket.recalled', done: 'ticket.done', 'no-show': 'ticket.no_show', hold: 'ticket.held' }[action];
          onTicketEvent(type, { ticket: data.ticket, counter: ME });
          say(text(data.ticket), 'ok');
          render();
        });
      });
    };
  }

  // ``refused(err)`` (the call dialog) may take a refusal itself: it returns true, the
  // dialog stays open; otherwise the dialog closes and the message says why.
  function callCode(code, service, refused) {
    return run(function () {
      var body = { code: code };
      if (service) body.service = service;
      return api('POST', counterPath('call'), body).then(function (data) {
        if (refused) closeDialog();
        onTicketEvent('ticket.called', { ticket: data.ticket, counter: ME });
        say('Đã gọi số ' + data.ticket.code + '.', 'ok');
        render();
      }, function (err) {
        if (refused && refused(err)) return;
        if (refused) closeDialog();
        throw err;
      });
    });
  }

  function reprint(t) {
    return run(function () {
      return api('POST', '/api/v1/tickets/' + t.id + '/reprint').then(function (data) {
        say('Đã gửi lệnh in lại phiếu ' + t.code + ' tới máy ' + data.kiosk + '.', 'ok');
      });
    });
  }

  // --- dialogs -------------------------------------------------------------------

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') e.className = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function openDialog(title, body, onKey, wide) {
    $('dialog').className = 'dialog' + (wide ? ' wide' : '');
    $('dialog-title').textContent = title;
    var holder = $('dialog-body');
    holder.innerHTML = '';
    holder.appendChild(body);
    $('overlay').hidden = false;
    state.dialog = onKey || function () { return false; };
    var first = body.querySelector('input, select, button');
    if (first) first.focus();
  }

  function closeDialog() {
    $('overlay').hidden = true;
    $('dialog-body').innerHTML = '';
    state.dialog = null;
  }

  function choiceList(items, pick) {
    // items: [{label, value}]; digit keys 1-9 pick, buttons click.
    var list = el('div', { class: 'choices' });
    items.forEach(function (item, i) {
      var b = el('button', { type: 'button', class: 'choice' });
      b.appendChild(el('kbd', {}, String(i + 1)));
      b.appendChild(document.createTextNode(' ' + item.label));
      b.addEventListener('click', function () { pick(item.value); });
      list.appendChild(b);
    });
    return list;
  }

  function digitPick(items, pick) {
    return function (e) {
      var m = /^(Digit|Numpad)([1-9])$/.exec(e.code);
      if (!m) return false;
      var item = items[parseInt(m[2], 10) - 1];
      if (item) pick(item.value);
      return true;
    };
  }

  function openTransfer() {
    var t = state.counter && state.counter.current;
    if (!t) { say(ERRORS.no_current_ticket, 'error'); return; }
    var items = boot.services.filter(function (s) { return s.id !== t.service; })
      .map(function (s) { return { label: s.name, value: s.id }; });
    var pick = function (sid) {
      closeDialog();
      run(function () {
        return api('POST', counterPath('transfer'), { service: sid }).then(function (data) {
          onTicketEvent('ticket.transferred', { ticket: data.ticket, counter: ME });
          say('Đã chuyển số ' + data.ticket.code + ' sang lĩnh vực ' + serviceNames[sid] + '.', 'ok');
          render();
        });
      });
    };
    var body = el('div');
    body.appendChild(el('p', {}, 'Chuyển số ' + t.code + ' sang lĩnh vực (bấm số):'));
    body.appendChild(choiceList(items, pick));
    openDialog('Chuyển lĩnh vực', body, digitPick(items, pick));
  }

  // "Gọi số…": the clerk types a code as heard ("a5" calls A005); while typing, the
  // server suggests today's callable tickets near it (/callable). A refused code
  // (none today, two fields, not callable) keeps the dialog open with the reason
  // and the near codes, each one click (or arrow keys and Enter) away.
  var CALL_REFUSALS = { unknown_ticket: 1, ambiguous_code: 1, not_callable: 1 };

  function shown(typed) { return typed.toUpperCase().replace(/\s+/g, ''); }

  function openCall() {
    var form = el('form', { class: 'call-form', autocomplete: 'off' });
    form.appendChild(el('label', { for: 'call-code' }, 'Số cần gọi (ví dụ A5 hoặc A005)'));
    var input = el('input', {
      id: 'call-code', name: 'code', maxlength: '20', required: 'required',
      autocapitalize: 'characters', spellcheck: 'false', 'aria-describedby': 'call-error'
    });
    form.appendChild(input);
    var problem = el('p', { id: 'call-error', class: 'call-error', role: 'alert' });
    problem.hidden = true;
    form.appendChild(problem);
    var title = el('h3', { id: 'call-suggest-title', class: 'suggest-title' });
    form.appendChild(title);
    var list = el('div', { id: 'call-suggest', class: 'choices suggest' });
    form.appendChild(list);
    var submit = el('button', { type: 'submit', class: 'primary' }, 'Gọi số (Enter)');
    form.appendChild(submit);
    var seq = 0;
    var timer = null;

    function refuse(err, typed) {
      var text = errorText(err);
      if (err.code === 'ambiguous_code') {
        text = 'Hôm nay có nhiều số ' + typed + ' ở các lĩnh vực khác nhau. Chọn một số bên dưới.';
      } else if (err.code === 'unknown_ticket') {
        text = 'Hôm nay không có số ' + typed + '.';
      }
      problem.textContent = text;
      problem.hidden = false;
      suggest(typed);
    }

    function call(code, service, tries) {
      problem.hidden = true;
      if (state.busy && (tries || 0) < 20) {  // the quiet time after the last answer
        setTimeout(function () { call(code, service, (tries || 0) + 1); }, 100);
        return;
      }
      callCode(code, service, function (err) {
        if (!(err && CALL_REFUSALS[err.code])) return false;
        refuse(err, shown(code));
        return true;
      });
    }

    function suggest(typed) {
      var mine = ++seq;
      var q = typed ? '&code=' + encodeURIComponent(typed) : '';
      return api('GET', counterPath('callable') + '?limit=8' + q).then(function (data) {
        if (mine === seq) showSuggestions(data.tickets, typed);
      }, function (err) {
        if (err.code === 'unauthorized') expired();
      });
    }

    function showSuggestions(tickets, typed) {
      typed = shown(typed);
      list.innerHTML = '';
      title.textContent = typed
        ? (tickets.length ? 'Số gần giống ' + typed : 'Không có số nào gần giống ' + typed)
        : (tickets.length ? 'Tạm giữ và vắng mặt hôm nay' : '');
      tickets.forEach(function (t) {
        var b = el('button', { type: 'button', class: 'choice suggestion', 'data-code': t.code, 'data-service': t.service });
        b.appendChild(el('b', { class: 'suggest-code' }, t.code));
        var when = t.status === 'waiting' ? 'lấy số ' + clock(t.issued_at)
          : (t.called_at ? 'gọi lúc ' + clock(t.called_at) : '');
        b.appendChild(el('span', { class: 'suggest-info' }, t.service_name + ' · ' + TICKET_STATUS[t.status] +
          (when ? ' · ' + when : '')));
        b.addEventListener('click', function () { call(t.code, t.service); });
        list.appendChild(b);
      });
    }

    function move(step) {
      var items = Array.prototype.slice.call(list.querySelectorAll('button'));
      if (!items.length) return;
      var at = items.indexOf(document.activeElement);
      if (at < 0) { items[step > 0 ? 0 : items.length - 1].focus(); return; }
      if (at + step < 0) { input.focus(); return; }
      items[Math.min(items.length - 1, at + step)].focus();
    }

    input.addEventListener('input', function () {
      problem.hidden = true;
      clearTimeout(timer);
      timer = setTimeout(function () { suggest(input.value.trim()); }, 200);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown' || e.key === 'Down') { e.preventDefault(); move(1); }
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var code = input.value.trim();
      if (code) call(code, null);
    });
    openDialog('Gọi số…', form, function (e) {
      if (e.key === 'ArrowDown' || e.key === 'Down') { move(1); return true; }
      if (e.key === 'ArrowUp' || e.key === 'Up') { move(-1); return true; }
      if (e.key && e.key.length === 1 && !e.ctrlKey && !e.altKey && !e.metaKey) input.focus();
      return false;
    });
    suggest('');
  }

  function openIssue() {
    var body = el('div');
    var label = el('label', { class: 'check' });
    var prio = el('input', { type: 'checkbox', id: 'issue-priority' });
    label.appendChild(prio);
    label.appendChild(document.createTextNode(' Ưu tiên — người cao tuổi, người khuyết tật, phụ nữ mang thai, người có công '));
    label.appendChild(el('kbd', {}, 'U'));
    var items = boot.services.map(function (s) { return { label: s.name, value: s.id }; });
    var pick = function (sid) {
      var priority = prio.checked;
      closeDialog();
      run(function () {
        return api('POST', '/api/v1/tickets', { service: sid, priority: priority }).then(issued);
      });
    };
    body.appendChild(label);
    body.appendChild(el('p', {}, 'Chọn lĩnh vực (bấm số):'));
    body.appendChild(choiceList(items, pick));
    var digits = digitPick(items, pick);
    openDialog('Cấp số cho công dân', body, function (e) {
      if (e.code === 'KeyU') { prio.checked = !prio.checked; return true; }
      return digits(e);
    });
  }

  // A citizen who booked a number on the province hub: check the booking in by its
  // code (or the QR code's text, read by a scanner into the field).
  function openBooking() {
    var form = el('form', { class: 'call-form', autocomplete: 'off' });
    form.appendChild(el('label', { for: 'booking-code' }, 'Mã đặt lịch (6 ký tự) hoặc quét mã QR'));
    var input = el('input', { id: 'booking-code', name: 'booking', maxlength: '200', required: 'required', autocapitalize: 'characters', spellcheck: 'false' });
    form.appendChild(input);
    form.appendChild(el('button', { type: 'submit', class: 'primary' }, 'Cấp số theo lịch hẹn (Enter)'));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      closeDialog();
      run(function () {
        return api('POST', '/api/v1/tickets', { booking: text }).then(issued, function (err) {
          var info = err && err.error;
          if (err && err.code === 'too_early' && info && info.opens_at) {
            throw { code: 'too_early', text: 'Chưa đến giờ: lịch hẹn lúc ' + clock(info.booking.slot_start) +
              ' ngày ' + info.booking.date.split('-').reverse().join('/') + ', nhận số từ ' + clock(info.opens_at) + '.' };
          }
          throw err;
        });
      });
    });
    openDialog('Công dân đã đặt lịch', form, null);
    input.focus();
  }

  // Procedure look-up: search the catalogue, see what to bring, print the checklist at
  // a kiosk for the citizen, or (guidance counter) issue a ticket for the procedure.
  function openProcedures() {
    var body = el('div', { class: 'proc-dialog' });
    var input = el('input', {
      id: 'proc-q', type: 'search', class: 'proc-search', autocomplete: 'off', maxlength: '100',
      placeholder: 'Tên thủ tục, không cần dấu (ví dụ: khai sinh)', 'aria-label': 'Tìm thủ tục'
    });
    body.appendChild(input);
    var kiosks = Object.keys(state.kiosks).sort();
    var kioskSelect = null;
    var kioskLabel = null;
    if (kiosks.length > 1) {  // which kiosk prints, shown with the print button
      kioskLabel = el('label', { class: 'proc-kiosk' }, 'In tại máy: ');
      kioskSelect = el('select', { id: 'proc-kiosk' });
      kiosks.forEach(function (k) { kioskSelect.appendChild(el('option', { value: k }, k)); });
      kioskLabel.appendChild(kioskSelect);
    }
    var list = el('div', { id: 'proc-results', class: 'choices proc-results' });
    var detail = el('div', { id: 'proc-detail', class: 'proc-detail' });
    detail.hidden = true;
    body.appendChild(list);
    body.appendChild(detail);
    var seq = 0;
    var timer = null;
    var shown = [];

    function search() {
      var mine = ++seq;
      var q = input.value.trim();
      return api('GET', '/api/v1/procedures?limit=30' + (q ? '&q=' + encodeURIComponent(q) : '')).then(function (data) {
        if (mine === seq) showList(data.procedures);
      }, function (err) {
        if (mine === seq) { list.innerHTML = ''; list.appendChild(el('p', { class: 'empty' }, errorText(err))); }
      });
    }

    function showList(procedures) {
      shown = procedures;
      list.innerHTML = '';
      if (!procedures.length) list.appendChild(el('p', { class: 'empty' }, 'Không tìm thấy thủ tục nào.'));
      procedures.forEach(function (p) {
        var b = el('button', { type: 'button', class: 'choice proc-choice', 'data-code': p.code });
        b.appendChild(el('span', { class: 'name' }, p.name));
        b.appendChild(el('span', { class: 'field' }, p.service_name + ' · ' + p.code));
        b.addEventListener('click', function () { showDetail(p.code); });
        list.appendChild(b);
      });
    }

    function showDetail(code) {
      return api('GET', '/api/v1/procedures/' + encodeURIComponent(code)).then(showProcedure, function (err) {
        say(errorText(err), 'error');
      });
    }

    function showProcedure(p) {
      list.hidden = true;
      input.hidden = true;
      detail.hidden = false;
      detail.innerHTML = '';
      detail.appendChild(el('h3', {}, p.name));
      detail.appendChild(el('p', { class: 'meta' }, 'Mã thủ tục: ' + p.code + ' · Lĩnh vực: ' + p.service_name));
      var ul = null;
      p.checklist.forEach(function (b) {
        if (b.kind === 'heading') {
          detail.appendChild(el('h4', {}, b.text));
          ul = null;
        } else if (b.kind === 'item') {
          if (!ul) { ul = el('ul'); detail.appendChild(ul); }
          var li = el('li', {}, b.text + ' ');
          if (b.detail) li.appendChild(el('span', { class: 'detail' }, '(' + b.detail + ')'));
          ul.appendChild(li);
        } else if (b.kind === 'text' || b.kind === 'note') {
          detail.appendChild(el('p', {}, b.text));
        }
      });
      var buttons = el('div', { class: 'proc-buttons' });
      var print = el('button', { type: 'button', class: 'primary', id: 'proc-print' }, 'In danh sách giấy tờ tại máy lấy số');
      print.addEventListener('click', function () { printChecklist(p, kioskSelect ? kioskSelect.value : null); });
      buttons.appendChild(print);
      if (kioskLabel) buttons.appendChild(kioskLabel);
      if (boot.counter.guidance) {
        var issue = el('button', { type: 'button', id: 'proc-issue' }, 'Cấp số cho thủ tục này');
        issue.addEventListener('click', function () { issueFor(p); });
        buttons.appendChild(issue);
      }
      var back = el('button', { type: 'button', id: 'proc-back' }, '← Kết quả tìm');
      back.addEventListener('click', function () {
        detail.hidden = true; list.hidden = false; input.hidden = false; input.focus();
      });
      buttons.appendChild(back);
      detail.appendChild(buttons);
      print.focus();
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && shown.length) { e.preventDefault(); showDetail(shown[0].code); }
    });
    openDialog('Tra cứu thủ tục', body, null, true);
    search();
  }

  function printChecklist(p, kiosk) {
    closeDialog();
    run(function () {
      return api('POST', '/api/v1/procedures/' + encodeURIComponent(p.code) + '/print',
        kiosk ? { kiosk: kiosk } : undefined).then(function (data) {
        say('Đã gửi lệnh in danh sách giấy tờ (' + p.name + ') tới máy ' + data.kiosk + '.', 'ok');
      });
    });
  }

  function issueFor(p) {
    closeDialog();
    run(function () {
      return api('POST', '/api/v1/tickets', { procedure: p.code }).then(issued);
    });
  }

  // A ticket this guidance counter issued: printed at once at the counter's
  // print_kiosk (the server sends it there); without one, or when that printer is
  // known broken, the number is shown large for the citizen to read off the screen.
  var PRINTER_WORKS = { ok: 1, paper_low: 1 };

  function issued(t) {
    var where = boot.counter.print_kiosk;
    var k = where ? state.kiosks[where] : null;
    var what = t.code + ' (' + t.service_name + (t.priority ? ', ưu tiên' : '') + bookingText(t) + ')' +
      (t.procedure ? ' cho thủ tục ' + t.procedure.name : '');
    if (where) {
      say('Đã cấp số ' + what + ' — đang in tại máy ' + where + '.', 'ok');
    } else {
      say('Đã cấp số ' + what + '.', 'ok');
    }
    if (!where || !k || !PRINTER_WORKS[k.printer] || k.conflict) showLarge(t, where, k);
  }

  // ", đặt lịch 08:30", or for a booking checked in after its window ", đến sau giờ hẹn
  // 08:30: số thường"; "" for a ticket without a booking.
  function bookingText(t) {
    var b = t.booking;
    if (!b) return '';
    return b.late ? ', đến sau giờ hẹn ' + clock(b.slot_start) + ': số thường'
      : ', đặt lịch ' + clock(b.slot_start);
  }

  function showLarge(t, where, k) {
    var body = el('div', { class: 'issued' });
    body.appendChild(el('div', { class: 'issued-label' }, 'SỐ THỨ TỰ'));
    body.appendChild(el('div', { id: 'issued-code', class: 'issued-code' }, t.code));
    body.appendChild(el('div', { class: 'issued-field' }, 'Lĩnh vực: ' + t.service_name +
      (t.priority ? ' — ƯU TIÊN' : '')));
    if (t.procedure) body.appendChild(el('div', { class: 'issued-proc' }, 'Thủ tục: ' + t.procedure.name));
    if (t.booking && !t.booking.late) {
      body.appendChild(el('div', { class: 'issued-proc' }, 'ĐẶT LỊCH — giờ hẹn ' + clock(t.booking.slot_start)));
    }
    if (t.status === 'waiting') {
      body.appendChild(el('div', { class: 'issued-ahead' }, t.waiting_ahead > 0
        ? 'Số người đang chờ phía trước: ' + t.waiting_ahead : 'Sắp đến lượt'));
    }
    body.appendChild(el('p', { class: 'issued-note' },
      'Vui lòng ghi nhớ số thứ tự này và chú ý màn hình, loa gọi số.'));
    if (where) {
      body.appendChild(el('p', { class: 'issued-warn' }, 'Máy in ở máy ' + where + ' đang gặp sự cố: phiếu có thể chưa được in.'));
    }
    var close = el('button', { type: 'button', class: 'primary', id: 'issued-close' }, 'Đóng (Enter)');
    close.addEventListener('click', closeDialog);
    body.appendChild(close);
    openDialog('Cấp số cho công dân', body, null, true);
    close.focus();
  }

  // --- drawing ---------------------------------------------------------------------

  function pad(n) { return n < 10 ? '0' + n : String(n); }

  function clock(iso) {
    // The server writes times in the centre's offset: show them as written.
    return iso.substring(11, 16);
  }

  function minutesSince(iso) {
    return Math.max(0, Math.floor((Date.now() + state.skewMs - Date.parse(iso)) / 60000));
  }

  function render() {
    var c = state.counter;
    var t = c && c.current;
    var status = c ? c.status : 'open';
    var paused = status === 'paused';
    $('code').textContent = t ? t.code : 'Chưa có số';
    $('code').className = 'code' + (t ? '' : ' none');
    $('field').textContent = t ? t.service_name
      : (paused ? 'Quầy đang tạm dừng — bấm D để mở lại' : 'Bấm T để gọi số tiếp theo');
    $('priority').hidden = !(t && t.priority);
    var booked = t && t.booking && !t.booking.late;
    $('booked').hidden = !booked;
    $('booked').textContent = booked ? 'ĐẶT LỊCH ' + clock(t.booking.slot_start) : '';
    $('procedure').textContent = t && t.procedure ? 'Thủ tục: ' + t.procedure.name : '';
    $('procedure').hidden = !(t && t.procedure);
    if (t && t.called_at) {
      var mins = minutesSince(t.called_at);
      $('since').textContent = 'Gọi lúc ' + clock(t.called_at) + ' · ' +
        (mins < 1 ? 'vừa gọi' : mins + ' phút trước') + ' · đã gọi ' + t.calls + ' lần';
    } else {
      $('since').textContent = '';
    }
    var st = $('counter-status');
    st.textContent = STATUS_TEXT[status] + (status === 'paused' && c.reason ? ' — ' + c.reason : '');
    st.className = 'status ' + status;

    buttons.forEach(function (b) {
      var action = b.getAttribute('data-action');
      var need = { recall: t, done: t, 'no-show': t, hold: t, transfer: t, reprint: t };
      var ok = state.online && !state.busy;
      if (action in need) ok = ok && !!need[action];
      if (action === 'next' || action === 'call') ok = ok && !paused;
      b.disabled = !ok;
      if (action === 'pause') b.querySelector('.label').textContent = paused ? 'Mở lại quầy' : 'Tạm dừng quầy';
    });
    document.body.classList.toggle('busy', state.busy);

    var waiting = $('waiting');
    waiting.innerHTML = '';
    shownServices.forEach(function (sid) {
      var li = el('li', { 'data-service': sid });
      li.appendChild(el('span', { class: 'name' }, serviceNames[sid]));
      li.appendChild(el('span', { class: 'count' }, String(state.waiting[sid] || 0)));
      waiting.appendChild(li);
    });

    var held = $('held');
    held.innerHTML = '';
    var list = Object.keys(state.held).map(function (k) { return state.held[k]; });
    list.sort(function (a, b) { return (b.called_at || '').localeCompare(a.called_at || ''); });
    list.forEach(function (h) {
      var li = el('li', { 'data-code': h.code });
      li.appendChild(el('span', { class: 'held-code' }, h.code));
      li.appendChild(el('span', { class: 'name' }, h.service_name + ' · ' + TICKET_STATUS[h.status] +
        (h.called_at ? ' · ' + clock(h.called_at) : '')));
      var call = el('button', { type: 'button', class: 'small call-back' }, 'Gọi');
      call.disabled = !state.online || state.busy || paused;
      call.addEventListener('click', function () { callCode(h.code, h.service); });
      var again = el('button', { type: 'button', class: 'small' }, 'In lại');
      again.disabled = !state.online || state.busy;
      again.addEventListener('click', function () { reprint(h); });
      li.appendChild(call);
      li.appendChild(again);
      if (h.procedure) li.appendChild(el('span', { class: 'proc' }, 'Thủ tục: ' + h.procedure.name));
      held.appendChild(li);
    });
    $('held-empty').hidden = list.length > 0;

    renderKiosks();
  }

  // The printers of the kiosks: the name never shrinks (a long message wraps below
  // it); each ticket that did not print has its own "In lại"; while the server is
  // away the panel is grey and says its news may be old (it cannot know).
  function renderKiosks() {
    var kiosks = $('kiosks');
    kiosks.innerHTML = '';
    Object.keys(state.kiosks).sort().forEach(function (name) {
      var k = state.kiosks[name];
      var li = el('li', { class: 'printer ' + (state.online ? k.printer : 'stale'), 'data-kiosk': name });
      var head = el('div', { class: 'kiosk-head' });
      head.appendChild(el('span', { class: 'kiosk-name' }, name));
      head.appendChild(el('span', { class: 'kiosk-state' },
        state.online ? (PRINTER_TEXT[k.printer] || k.printer) : 'Chưa rõ (mất kết nối máy chủ)'));
      li.appendChild(head);
      if (k.message) li.appendChild(el('div', { class: 'kiosk-message' }, k.message));
      if (k.conflict) {
        li.appendChild(el('div', { class: 'kiosk-conflict' }, 'Có một máy khác (' + k.conflict.address +
          ') cũng mang tên ' + name + ' và không được nhận. Báo kỹ thuật viên.'));
      }
      var missing = k.unprinted || [];
      if (missing.length) {
        var box = el('div', { class: 'unprinted' });
        box.appendChild(el('span', { class: 'unprinted-label' }, 'Phiếu chưa in:'));
        missing.forEach(function (u) {
          var b = el('button', { type: 'button', class: 'small reprint', 'data-ticket': String(u.id) },
            u.code + ' — In lại');
          b.disabled = !state.online || state.busy;
          b.addEventListener('click', function () { reprint(u); });
          box.appendChild(b);
        });
        li.appendChild(box);
      }
      kiosks.appendChild(li);
    });
  }

  // --- keyboard and clicks ------------------------------------------------------------

  document.addEventListener('keydown', function (e) {
    var repeat = e.repeat || downKeys[e.code];
    downKeys[e.code] = true;
    if (state.dialog) {
      if (e.key === 'Escape' || e.key === 'Esc') { e.preventDefault(); closeDialog(); return; }
      var tag = e.target && e.target.tagName;
      if (tag === 'INPUT' && e.target.type !== 'checkbox' || tag === 'SELECT') return;
      if (!repeat && state.dialog(e)) e.preventDefault();
      return;
    }
    if (e.ctrlKey || e.altKey || e.metaKey || repeat) return;
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute('data-key') === e.code) {
        e.preventDefault();
        if (!buttons[i].disabled) ACTIONS[buttons[i].getAttribute('data-action')]();
        return;
      }
    }
  });
  document.addEventListener('keyup', function (e) { delete downKeys[e.code]; });
  window.addEventListener('blur', function () { downKeys = {}; });

  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      if (!b.disabled) ACTIONS[b.getAttribute('data-action')]();
    });
  });
  $('overlay').addEventListener('click', function (e) { if (e.target === $('overlay')) closeDialog(); });

  applyState(boot.state);
  setHeld(boot.held);
  render();
  connect();
  setInterval(render, 20000); // minutes since called; draws only, no network
})();
