/* Sothutu browser display: the wall TV page (/display) and a counter's screen
 * (/display?counter=N). Plain JavaScript, no libraries, no build step, for the old
 * Chromium of 2016-2019 smart TVs (53 and up): ES2016 at most (no async/await, no
 * object spread) and no web API newer than Chrome 53; `make test` checks it (eslint,
 * package.json's browserslist).
 *
 * 1. The reducer mirrors display/state.py rule for rule (events in, state out;
 *    view(state, now) is what the screen shows, nextChange() when it changes by
 *    itself). Times are milliseconds on this browser's clock; `skew` is this clock
 *    minus the server's, learned from the snapshot and from live events.
 * 2. Drawing puts a view into the server-rendered page; every text shrinks to fit
 *    its box (the stylesheet gives the largest size).
 * 3. The event stream: EventSource on /api/v1/events?heartbeat=S, resuming after the
 *    last event id it applied (also after a server restart: ids are durable). The
 *    server sends a `heartbeat` event when nothing else happens, so a connection that
 *    died without a word is noticed and reopened; no polling.
 * 4. The voice: calls are queued in order and played one at a time with WebAudio. The
 *    clips of an announcement come from /api/v1/voice/announcement (the pygame
 *    display's sothutu/voice/announce.py), the sounds from the voice pack the server serves.
 */
(function () {
  'use strict';

  var BOOT = JSON.parse(document.getElementById('boot').textContent);
  var T = BOOT.text;
  var RECENT_KEPT = BOOT.rules.recent_kept;
  var BLINK_MS = BOOT.rules.blink_seconds * 1000;
  var LIVE_AFTER_MS = BOOT.rules.live_after * 1000;
  var CONNECT_GRACE_MS = BOOT.rules.connect_grace * 1000;

  var LIVE = 'live';
  var LOST = 'lost';
  var CONNECTING = 'connecting';
  var ENDING = {
    'ticket.done': 1, 'ticket.no_show': 1, 'ticket.held': 1, 'ticket.transferred': 1,
    'ticket.expired': 1
  };
  var CALLS = { 'ticket.called': 1, 'ticket.recalled': 1 };

  // --- 1. the reducer (display/state.py) ------------------------------------------------

  function put(obj, changes) {
    var out = {};
    var k;
    for (k in obj) out[k] = obj[k];
    for (k in changes) out[k] = changes[k];
    return out;
  }

  function parseTime(value) {
    if (typeof value !== 'string' || !/(Z|[+-]\d\d:?\d\d)$/.test(value)) return null;
    var t = Date.parse(value);
    return isNaN(t) ? null : t;
  }

  /** Minutes east of UTC of an ISO time such as 2026-11-24T08:42:10+07:00. */
  function offsetOf(value, fallback) {
    var m = typeof value === 'string' && /([+-])(\d\d):?(\d\d)$/.exec(value);
    if (!m) return /Z$/.test(value || '') ? 0 : fallback;
    var minutes = parseInt(m[2], 10) * 60 + parseInt(m[3], 10);
    return m[1] === '-' ? -minutes : minutes;
  }

  function byNumber(a, b) { return a.number - b.number; }

  /** The state before the first snapshot: counters and fields from the config. */
  function initial(opts, now) {
    return {
      centre: opts.centre,
      notice: opts.notice || '',
      highlightMs: (opts.highlight_seconds === undefined ? 10 : opts.highlight_seconds) * 1000,
      link: CONNECTING,
      linkSince: now,
      synced: false,
      lastUpdate: null,
      businessDate: null,
      counters: (opts.counters || []).map(function (c) {
        return { number: c.number, name: c.name, status: 'open', code: null, ticketId: null };
      }),
      calls: [],
      waiting: (opts.services || []).map(function (s) { return { id: s.id, name: s.name, count: 0 }; }),
      highlightUntil: null,
      skew: null,
      utcOffset: offsetOf(opts.time, -new Date(now).getTimezoneOffset()),
      lastEventId: null
    };
  }

  /** The stream connected (up) or was lost; `seen` is when the lost link last spoke. */
  function connection(s, up, now, seen) {
    if (up) return put(s, { link: LIVE, linkSince: now });
    if (s.link === LIVE) return put(s, { link: LOST, linkSince: now, lastUpdate: seen || now });
    return put(s, { link: LOST, linkSince: s.linkSince !== null ? s.linkSince : now });
  }

  function isLive(s, now) {
    return s.link === LIVE && s.linkSince !== null && now - s.linkSince >= LIVE_AFTER_MS;
  }

  /** A server time on this browser's clock; `now` when unknown or in the future. */
  function local(s, serverTime, now) {
    if (serverTime === null || s.skew === null) return now;
    return Math.min(serverTime + s.skew, now);
  }

  function counterFrom(c) {
    var current = c.current || null;
    var number = parseInt(c.number, 10);
    if (isNaN(number)) throw new TypeError('counter without a number');
    return {
      number: number,
      name: String(c.name || T.COUNTER + ' ' + number),
      status: String(c.status || (current ? 'serving' : 'open')),
      code: current ? current.code : null,
      ticketId: current ? current.id : null
    };
  }

  function putCounter(counters, c) {
    var out = counters.filter(function (x) { return x.number !== c.number; });
    out.push(c);
    return out.sort(byNumber);
  }

  function withWaiting(s, counts) {
    if (!counts || typeof counts !== 'object' || Array.isArray(counts)) return s;
    var known = {};
    var waiting = s.waiting.map(function (w) {
      known[w.id] = true;
      return Number.isInteger(counts[w.id]) ? put(w, { count: counts[w.id] }) : w;
    });
    Object.keys(counts).forEach(function (k) {
      if (!known[k] && Number.isInteger(counts[k])) waiting.push({ id: k, name: k, count: counts[k] });
    });
    return put(s, { waiting: waiting });
  }

  function snapshot(s, data, now) {
    var serverNow = parseTime(data.time);
    s = put(s, {
      skew: serverNow !== null ? now - serverNow : s.skew,
      utcOffset: offsetOf(data.time, s.utcOffset)
    });
    var names = {};
    s.waiting.forEach(function (w) { names[w.id] = w.name; });
    var waiting = (data.services || []).map(function (x) {
      var count = parseInt(x.waiting, 10);
      if (isNaN(count)) throw new TypeError('waiting is not a number');
      return { id: String(x.id), name: String(x.name || names[x.id] || x.id), count: count };
    });
    var calls = (data.recent_calls || []).slice(0, RECENT_KEPT).map(function (r) {
      var counter = parseInt(r.counter, 10);
      if (isNaN(counter)) throw new TypeError('call without a counter');
      return {
        code: String(r.code),
        counter: counter,
        service: String(r.service || ''),
        at: local(s, parseTime(r.called_at), now),
        recall: (parseInt(r.calls, 10) || 1) > 1,
        ticketId: null,
        booked: r.booked === true
      };
    });
    var newest = calls.length ? calls[0] : null;
    return put(s, {
      centre: String(data.centre || s.centre),
      synced: true,
      businessDate: data.business_date || s.businessDate,
      counters: (data.counters || []).map(counterFrom).sort(byNumber),
      calls: calls,
      waiting: waiting.length ? waiting : s.waiting,
      highlightUntil: newest ? newest.at + s.highlightMs : null
    });
  }

  // A ticket of a booking checked in within its window (not a late, ordinary one).
  function isBooked(t) {
    var b = t.booking;
    return !!b && typeof b === 'object' && b.late === false;
  }

  function called(s, kind, data, now) {
    var t = data.ticket;
    var number = data.counter !== null && data.counter !== undefined ? data.counter : t.counter;
    if (number === null || number === undefined) return { state: s, spoken: [] };
    number = parseInt(number, 10);
    if (isNaN(number)) throw new TypeError('counter is not a number');
    var recall = kind === 'ticket.recalled';
    var serverAt = parseTime(data.at);
    if (serverAt === null && !recall) serverAt = parseTime(t.called_at);
    if (serverAt !== null && isLive(s, now)) s = put(s, { skew: now - serverAt });
    var at = local(s, serverAt, now);
    var old = null;
    s.counters.forEach(function (c) { if (c.number === number) old = c; });
    var counter = {
      number: number,
      name: old ? old.name : T.COUNTER + ' ' + number,
      status: old && old.status === 'paused' ? 'paused' : 'serving',
      code: String(t.code),
      ticketId: t.id === undefined ? null : t.id
    };
    var call = {
      code: String(t.code),
      counter: number,
      service: String(t.service || ''),
      at: at,
      recall: recall,
      ticketId: t.id === undefined ? null : t.id,
      booked: isBooked(t)
    };
    var rest = s.calls.filter(function (c) {
      return !((c.ticketId !== null && c.ticketId === call.ticketId) ||
        (c.code === call.code && c.service === call.service));
    });
    s = put(s, {
      counters: putCounter(s.counters, counter),
      calls: [call].concat(rest).slice(0, RECENT_KEPT),
      highlightUntil: at + s.highlightMs
    });
    var calls = parseInt(t.calls, 10);
    return {
      state: s,
      spoken: [{ code: call.code, counter: number, recall: recall, at: at, calls: calls > 0 ? calls : null }]
    };
  }

  function ended(s, data) {
    var tid = data.ticket.id;
    return put(s, {
      counters: s.counters.map(function (c) {
        if (c.ticketId === null || c.ticketId === undefined || c.ticketId !== tid) return c;
        return put(c, { code: null, ticketId: null, status: c.status === 'paused' ? 'paused' : 'open' });
      })
    });
  }

  /** Fold one event in; returns {state, spoken}: the calls to announce. */
  function apply(s, kind, data, eventId, now) {
    if (eventId !== null && eventId !== undefined) s = put(s, { lastEventId: eventId });
    if (!data || typeof data !== 'object' || Array.isArray(data)) return { state: s, spoken: [] };
    var before = s;
    var spoken = [];
    try {
      if (kind === 'snapshot') {
        s = snapshot(s, data, now);
      } else if (CALLS[kind]) {
        var r = called(s, kind, data, now);
        s = r.state;
        spoken = r.spoken;
      } else if (ENDING[kind]) {
        s = ended(s, data);
      } else if (kind === 'counter.paused' || kind === 'counter.resumed') {
        s = put(s, { counters: putCounter(s.counters, counterFrom(data.counter)) });
      } else if (kind === 'day.rollover') {
        s = put(s, {
          businessDate: data.business_date || s.businessDate,
          calls: [],
          highlightUntil: null,
          counters: s.counters.map(function (c) {
            return put(c, { code: null, ticketId: null, status: c.status === 'paused' ? 'paused' : 'open' });
          })
        });
      }
      if (kind.indexOf('ticket.') === 0) s = withWaiting(s, data.waiting);
    } catch (err) {
      return { state: before, spoken: [] };
    }
    return { state: s, spoken: spoken };
  }

  /** A heartbeat: the stream is alive; a live one also tells the clocks' offset. */
  function heartbeat(s, data, now) {
    var t = data ? parseTime(data.time) : null;
    if (t === null) return s;
    var changes = { utcOffset: offsetOf(data.time, s.utcOffset) };
    if (isLive(s, now)) changes.skew = now - t;
    return put(s, changes);
  }

  function shownLink(s, now) {
    if (s.link === CONNECTING && s.linkSince !== null && now - s.linkSince >= CONNECT_GRACE_MS) return LOST;
    if (s.link === LIVE && !s.synced) return CONNECTING;
    return s.link;
  }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  /** [HH:MM, dd/mm/yyyy] of a time on this clock, shown as the server's clock and zone. */
  function fmt(s, t) {
    var d = new Date(t - (s.skew || 0) + s.utcOffset * 60000);
    return [
      pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()),
      pad2(d.getUTCDate()) + '/' + pad2(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear()
    ];
  }

  /** What the wall screen shows at `now`. */
  function view(s, now) {
    var clock = fmt(s, now);
    var link = shownLink(s, now);
    var stale = link !== LIVE;
    var banner = null;
    var detail = null;
    if (link === LOST) {
      banner = T.LOST;
      if (s.lastUpdate !== null) {
        var last = fmt(s, s.lastUpdate);
        detail = T.LAST_UPDATE + ': ' + last[0] + ' — ' + last[1];
      }
    } else if (link === CONNECTING) {
      banner = T.CONNECTING;
    }
    var newest = s.calls.length ? s.calls[0] : null;
    var fresh = !!(newest && !stale && s.highlightUntil !== null && now < s.highlightUntil);
    var headline = null;
    if (newest) {
      var phase = Math.floor(Math.max(0, now - newest.at) / BLINK_MS);
      headline = {
        code: newest.code, counter: newest.counter, recall: newest.recall,
        fresh: fresh, lit: fresh && phase % 2 === 0, booked: newest.booked
      };
    }
    return {
      centre: s.centre,
      clock: clock[0],
      date: clock[1],
      link: link,
      banner: banner,
      bannerDetail: detail,
      stale: stale,
      headline: headline,
      counters: s.counters.map(function (c) {
        return {
          number: c.number, name: c.name, code: c.code, status: c.status,
          fresh: fresh && c.number === newest.counter
        };
      }),
      recent: s.calls.slice(1).map(function (c) { return { code: c.code, counter: c.counter }; }),
      waiting: s.waiting.map(function (w) { return { name: w.name, count: w.count }; }),
      notice: s.notice
    };
  }

  function latestCall(s, number) {
    for (var i = 0; i < s.calls.length; i++) if (s.calls[i].counter === number) return s.calls[i];
    return null;
  }

  /** What one counter's screen shows: its code, blinking after each of its own calls. */
  function counterView(s, now, number) {
    var v = view(s, now);
    var c = null;
    s.counters.forEach(function (x) { if (x.number === number) c = x; });
    var call = latestCall(s, number);
    var fresh = !!(c && call && c.code === call.code && !v.stale && now < call.at + s.highlightMs);
    var phase = call ? Math.floor(Math.max(0, now - call.at) / BLINK_MS) : 0;
    return {
      number: number,
      name: c ? c.name : T.COUNTER + ' ' + number,
      code: c ? c.code : null,
      status: c ? c.status : 'open',
      fresh: fresh,
      lit: fresh && phase % 2 === 0,
      link: v.link,
      banner: v.banner,
      bannerDetail: v.bannerDetail,
      stale: v.stale
    };
  }

  /** Milliseconds until the view changes by itself (the minute, a blink, the grace). */
  function nextChange(s, now, number) {
    var shown = now - (s.skew || 0) + s.utcOffset * 60000;
    var waits = [60000 - ((shown % 60000) + 60000) % 60000];
    if (s.link === CONNECTING && s.linkSince !== null) {
      var left = CONNECT_GRACE_MS - (now - s.linkSince);
      if (left > 0) waits.push(left);
    }
    var call = number === undefined || number === null ? (s.calls[0] || null) : latestCall(s, number);
    var until = call ? (number === undefined || number === null ? s.highlightUntil : call.at + s.highlightMs) : null;
    if (call && until !== null && now < until) {
      var since = Math.max(0, now - call.at);
      waits.push(BLINK_MS - since % BLINK_MS);
      waits.push(until - now);
    }
    return Math.max(10, Math.min.apply(null, waits));
  }

  // --- 2. drawing -------------------------------------------------------------------------

  var MODE = BOOT.mode;
  var COUNTER = BOOT.counter;
  var body = document.body;
  var $ = function (id) { return document.getElementById(id); };
  var dirty = [];

  function setText(el, text) {
    text = text === null || text === undefined ? '' : String(text);
    if (el.textContent !== text) {
      el.textContent = text;
      dirty.push(el);
    }
  }

  function setClass(el, name, on) {
    if (el.classList.contains(name) !== !!on) {
      el.classList.toggle(name, !!on);
      if (el.classList.contains('fit')) dirty.push(el);
    }
  }

  function fitsNow(el) {
    return el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight;
  }

  function shown(el) {
    return el.offsetParent !== null || getComputedStyle(el).position === 'fixed';
  }

  // What a fit depends on: the text, its classes, the box it sits in (its parent's, which
  // the text's own size never changes), the screen and the fonts. Unchanged: not measured.
  var fitGeneration = 0;

  function fitKey(el) {
    var p = el.parentNode;
    return [el.className, el.textContent, p.clientWidth, p.clientHeight, window.innerWidth,
      window.innerHeight, fitGeneration].join('|');
  }

  /** The largest font size (px, at most the stylesheet's) at which el's text fits. */
  function fitSize(el) {
    var key = fitKey(el);
    if (el.sothutuFitKey === key) return el.sothutuFitSize;
    el.style.fontSize = '';
    var size = parseFloat(getComputedStyle(el).fontSize);
    if (!el.textContent || !shown(el)) return size;
    if (!fitsNow(el)) {
      var lo = Math.max(4, size * 0.15);
      var hi = size;
      el.style.fontSize = lo + 'px';
      if (fitsNow(el)) {
        while (hi - lo > 0.5) {
          var mid = (lo + hi) / 2;
          el.style.fontSize = mid + 'px';
          if (fitsNow(el)) lo = mid; else hi = mid;
        }
      }
      size = Math.floor(lo * 10) / 10;
    }
    el.sothutuFitKey = key;
    el.sothutuFitSize = size;
    return size;
  }

  // Counts are never much larger than the names of their fields (render.py: 1.2 times).
  var CAPPED = { wcount: ['wname', 1.2] };

  // Stand-ins in a column of codes ("—", "Tạm dừng") fit on their own, no larger than
  // the codes, so that one long word does not shrink every code (as in render.py).
  function standIn(el) {
    return el.classList.contains('none') || el.classList.contains('paused');
  }

  /** Fit the given texts; the texts of a data-group share the smallest size among them. */
  function fit(elements) {
    var groups = {};
    elements.forEach(function (el) {
      var g = el.getAttribute('data-group');
      if (g) groups[g] = true;
      else el.style.fontSize = fitSize(el) + 'px';
    });
    // A group capped by another (CAPPED) is fitted again, after it, when that one is.
    Object.keys(CAPPED).forEach(function (g) { if (groups[CAPPED[g][0]]) groups[g] = true; });
    var order = Object.keys(groups).sort(function (a, b) {
      return (CAPPED[a] ? 1 : 0) - (CAPPED[b] ? 1 : 0);
    });
    order.forEach(function (g) {
      var all = Array.prototype.slice.call(document.querySelectorAll('[data-group="' + g + '"]'));
      var members = all.filter(function (m) { return !standIn(m); });
      var sizes = members.map(function (m) { return shown(m) && m.textContent ? fitSize(m) : Infinity; });
      var size = Math.min.apply(null, sizes);
      var cap = CAPPED[g] && document.querySelector('[data-group="' + CAPPED[g][0] + '"]');
      if (cap && cap.style.fontSize) size = Math.min(size, parseFloat(cap.style.fontSize) * CAPPED[g][1]);
      members.forEach(function (m) {
        m.style.fontSize = (isFinite(size) ? size : fitSize(m)) + 'px';
      });
      all.filter(standIn).forEach(function (m) {
        var own = fitSize(m);
        m.style.fontSize = (isFinite(size) ? Math.min(own, size) : own) + 'px';
      });
    });
  }

  function fitDirty() {
    if (!dirty.length) return;
    var list = dirty.filter(function (el, i) { return dirty.indexOf(el) === i; });
    dirty = [];
    fit(list);
  }

  function fitAll() {
    fitGeneration += 1;
    dirty = [];
    fit(Array.prototype.slice.call(document.querySelectorAll('.fit')));
    if (MODE === 'wall') layoutNotice();
  }

  /** Put the children of `container` in the order of `keys`, making missing ones. */
  function syncRows(container, keys, make) {
    var rows = Array.prototype.slice.call(container.children);
    var same = rows.length === keys.length && keys.every(function (k, i) {
      return rows[i].getAttribute('data-key') === String(k);
    });
    if (same) return false;
    var existing = {};
    rows.forEach(function (r) { existing[r.getAttribute('data-key')] = r; });
    container.textContent = '';
    keys.forEach(function (k) { container.appendChild(existing[String(k)] || make(k)); });
    return true;
  }

  function el(tag, cls, attrs) {
    var e = document.createElement(tag);
    e.className = cls;
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function makeRow(nameCls, valueCls, extra) {
    return function (key) {
      var row = el('div', 'row', { 'data-key': key });
      row.appendChild(el('div', 'fit ' + nameCls, put({ 'data-group': nameCls }, extra || {})));
      row.appendChild(el('div', 'fit ' + valueCls, { 'data-group': valueCls }));
      return row;
    };
  }

  var gridShape = '';

  /** Columns and rows of the counters and the fields, as the pygame layout picks them. */
  function setGrid(counters, fields) {
    var portrait = window.matchMedia ? window.matchMedia('(orientation: portrait)').matches
      : window.innerHeight > window.innerWidth;
    var ccols = portrait ? (counters <= 4 ? 1 : counters <= 10 ? 2 : 3) : (counters <= 8 ? 1 : 2);
    var wcols = fields <= (portrait ? 2 : 6) ? 1 : 2;
    var shape = [ccols, Math.max(1, Math.ceil(counters / ccols)), wcols,
      Math.max(1, Math.ceil(fields / wcols))];
    if (shape.join() === gridShape) return false;
    gridShape = shape.join();
    ['--ccols', '--crows', '--wcols', '--wrows'].forEach(function (name, i) {
      body.style.setProperty(name, String(shape[i]));
    });
    return true;
  }

  var lastLink = null;

  // The link's state on <body> (both screens); true when it changed since the last view.
  function renderLink(v) {
    body.setAttribute('data-link', v.link);
    setClass(body, 'stale', v.stale);
    var changed = v.link !== lastLink;
    lastLink = v.link;
    return changed;
  }

  function renderWall(v) {
    var linkChanged = renderLink(v);
    setText($('centre'), v.centre);
    setText($('clock'), v.clock);
    setText($('date'), v.date);

    var head = $('headline');
    var h = v.headline;
    setClass(head, 'empty', !h);
    setClass(head, 'fresh', h && h.fresh && !h.lit);
    setClass(head, 'lit', h && h.lit);
    setClass(head, 'booked', h && h.booked);
    setClass($('call-label'), 'beside-mark', h && h.booked);  // its own class: fitted again
    if (h) {
      setText($('code'), h.code);
      setText($('call-counter'), T.TO_COUNTER + ' ' + h.counter);
    }
    setText($('banner'), v.banner);
    setText($('banner-detail'), v.bannerDetail);

    var chips = $('chips').children;
    for (var i = 0; i < chips.length; i++) {
      var r = v.recent[i];
      chips[i].hidden = !r;
      setText(chips[i].children[0], r ? r.code : '');
      setText(chips[i].children[1], r ? T.COUNTER + ' ' + r.counter : '');
    }

    var box = $('counters');
    var reshaped = syncRows(box, v.counters.map(function (c) { return c.number; }), makeRow('cname', 'ccode'));
    v.counters.forEach(function (c, k) {
      var row = box.children[k];
      setClass(row, 'fresh', c.fresh);
      setText(row.children[0], c.name);
      var code = row.children[1];
      var paused = c.status === 'paused' && !c.code;
      setText(code, c.code || (paused ? T.PAUSED : '—'));
      setClass(code, 'paused', paused);
      setClass(code, 'none', !c.code && !paused);
    });

    var fields = $('fields');
    reshaped = syncRows(fields, v.waiting.map(function (w) { return w.name; }),
      makeRow('wname', 'wcount', { 'data-lines': '2' })) || reshaped;
    v.waiting.forEach(function (w, k) {
      setText(fields.children[k].children[0], w.name);
      setText(fields.children[k].children[1], w.count);
    });

    if (setGrid(v.counters.length, v.waiting.length) || reshaped) {
      fitAll();
    } else {
      if (linkChanged) {
        Array.prototype.forEach.call(head.querySelectorAll('.fit'), function (e) { dirty.push(e); });
      }
      fitDirty();
    }
  }

  function renderCounter(v) {
    var linkChanged = renderLink(v);
    setText($('cs-name'), v.name);
    var code = $('cs-code');
    var pausedIdle = v.status === 'paused' && !v.code;
    setText(code, v.code || (pausedIdle ? T.PAUSED : '—'));
    setClass(code, 'paused', pausedIdle);
    setClass(code, 'none', !v.code && !pausedIdle);
    var main = $('cs-main');
    setClass(main, 'fresh', v.fresh && !v.lit);
    setClass(main, 'lit', v.lit);
    var status = $('cs-status');
    setText(status, v.status === 'paused' && v.code ? T.PAUSED : v.code ? T.SERVING : '');
    setClass(status, 'paused', v.status === 'paused');
    setText($('banner'), v.banner);
    setText($('banner-detail'), v.bannerDetail);
    if (linkChanged) {
      Array.prototype.forEach.call(main.querySelectorAll('.fit'), function (e) { dirty.push(e); });
    }
    fitDirty();
  }

  // The notice: still and shrunk to fit when it fits (or scroll_speed = 0), else a loop
  // of the text, a gap and the text again, moving left at scroll_speed (per 1080 lines).
  var noticeAnimation = null;

  function layoutNotice() {
    var strip = $('notice');
    var track = $('track');
    var text = $('notice-text');
    if (!strip) return;
    if (noticeAnimation) {
      noticeAnimation.cancel();
      noticeAnimation = null;
    }
    while (track.children.length > 1) track.removeChild(track.lastChild);
    track.className = 'track';
    text.style.fontSize = '';
    text.classList.remove('fit');
    text.removeAttribute('data-lines');
    if (!text.textContent) return;
    var style = getComputedStyle(strip);
    var room = strip.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    var width = text.getBoundingClientRect().width;
    var speed = BOOT.display.scroll_speed * window.innerHeight / 1080;
    if (width <= room || speed <= 0 || !track.animate) {
      track.className = 'track still';
      text.classList.add('fit');
      text.setAttribute('data-lines', '2');
      fit([text]);
      return;
    }
    var gap = strip.clientWidth / 3;
    var copy = text.cloneNode(true);
    copy.removeAttribute('id');
    copy.setAttribute('aria-hidden', 'true');
    copy.style.marginLeft = gap + 'px';
    track.appendChild(copy);
    var cycle = width + gap;
    noticeAnimation = track.animate(
      [{ transform: 'translateX(0px)' }, { transform: 'translateX(' + (-cycle) + 'px)' }],
      { duration: cycle / speed * 1000, iterations: Infinity }
    );
  }

  // --- 3. the event stream ------------------------------------------------------------------

  var TYPES = ['snapshot', 'ticket.issued', 'ticket.called', 'ticket.recalled', 'ticket.done',
    'ticket.no_show', 'ticket.held', 'ticket.transferred', 'ticket.expired', 'counter.paused',
    'counter.resumed', 'day.rollover', 'kiosk.status', 'ticket.reprint'];
  var HEARTBEAT = BOOT.heartbeat;
  var SILENT_MS = (2 * HEARTBEAT + 3) * 1000; // nothing heard this long: the link is dead

  var now0 = Date.now();
  var state = initial({
    centre: BOOT.centre,
    notice: BOOT.notice,
    highlight_seconds: BOOT.display.highlight_seconds,
    counters: BOOT.counters,
    services: BOOT.services,
    time: BOOT.state.time
  }, now0);
  state = apply(state, 'snapshot', BOOT.state, BOOT.state.last_event_id, now0).state;

  var source = null;
  var watchdog = null;
  var retryTimer = null;
  var lastHeard = now0;

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (source) source.close();
    var url = '/api/v1/events?heartbeat=' + HEARTBEAT;
    if (state.lastEventId !== null) url += '&lastEventId=' + encodeURIComponent(state.lastEventId);
    var es = source = new EventSource(url);
    es.onopen = function () {
      if (es !== source) return;
      heard();
      setLink(true);
    };
    es.onerror = function () {
      if (es !== source) return;
      setLink(false);
      if (es.readyState === 2) { // closed for good (e.g. 503 too many streams): start again
        source = null;
        es.close();
        retryTimer = setTimeout(connect, 3000);
      }
    };
    TYPES.forEach(function (type) {
      es.addEventListener(type, function (e) { if (es === source) onMessage(type, e); });
    });
    es.addEventListener('heartbeat', function (e) {
      if (es !== source) return;
      heard();
      try { state = heartbeat(state, JSON.parse(e.data), Date.now()); } catch (err) { /* ignore */ }
    });
    armWatchdog();
  }

  function armWatchdog() {
    clearTimeout(watchdog);
    watchdog = setTimeout(silent, SILENT_MS);
  }

  function heard() {
    lastHeard = Date.now();
    armWatchdog();
  }

  // Nothing heard for SILENT_MS (a dead cable, a frozen server, a connect that hangs):
  // the data is no longer known to be current. Open a new stream from the last event.
  function silent() {
    if (source) {
      source.close();
      source = null;
    }
    setLink(false, lastHeard);
    connect();
  }

  function setLink(up, seen) {
    var now = Date.now();
    if (up) {
      if (state.link === LOST) voice.clips = {}; // the pack may have changed with the server
      state = connection(state, true, now);
    } else {
      state = connection(state, false, now, seen);
    }
    render();
  }

  function onMessage(type, e) {
    heard();
    var data;
    try { data = JSON.parse(e.data); } catch (err) { return; }
    var id = parseInt(e.lastEventId, 10);
    if (isNaN(id)) id = null;
    // Already applied (a replay overlapping what we had): never shown or said twice.
    if (type !== 'snapshot' && id !== null && state.lastEventId !== null && id <= state.lastEventId) return;
    var r = apply(state, type, data, id, Date.now());
    state = r.state;
    r.spoken.forEach(announce);
    render();
  }

  var renderTimer = null;

  function render() {
    clearTimeout(renderTimer);
    var now = Date.now();
    if (MODE === 'counter') renderCounter(counterView(state, now, COUNTER));
    else renderWall(view(state, now));
    renderTimer = setTimeout(render, nextChange(state, now, MODE === 'counter' ? COUNTER : null));
  }

  // --- 4. the voice -----------------------------------------------------------------------

  var voice = {
    on: !!BOOT.voice.on,
    ctx: null,
    queue: [],
    busy: false,
    clips: {},
    log: []
  };
  var MAX_AGE_MS = BOOT.voice.max_age * 1000;
  var GAP_MS = BOOT.voice.gap * 1000;
  var LOG_KEPT = 500;
  // Every clip started ({code, counter, clip, start, end} in AudioContext seconds) and
  // every call skipped as too old: for a technician's console and for the tests.
  window.sothutuVoiceLog = voice.log;

  function note(entry) {
    voice.log.push(entry);
    if (voice.log.length > LOG_KEPT) voice.log.splice(0, voice.log.length - LOG_KEPT);
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function soundOn() {
    return !!voice.ctx && (voice.ctx.state === undefined || voice.ctx.state === 'running');
  }

  // The button takes room in the layout (the screen's texts shrink to give it room, and
  // grow back when it goes), and has the focus, so the OK key of a TV's remote presses it.
  function soundChanged() {
    var button = $('sound');
    var hide = !voice.on || soundOn();
    if (button.hidden !== hide) {
      button.hidden = hide;
      body.classList.toggle('sound-off', !hide);
      if (!hide && button.focus) button.focus();
      fitAll();
    }
    if (soundOn()) pump();
  }

  function startAudio() {
    if (!voice.on) return;
    var Ctx = window.AudioContext || window.webkitAudioContext;
    try {
      voice.ctx = new Ctx();
    } catch (err) {
      voice.on = false; // no Web Audio: the screen carries on silent
      return;
    }
    voice.ctx.onstatechange = soundChanged;
    var unlock = function () {
      if (!soundOn() && voice.ctx.resume) voice.ctx.resume().then(soundChanged, function () {});
    };
    $('sound').addEventListener('click', unlock);
    ['keydown', 'mousedown', 'touchstart'].forEach(function (type) {
      document.addEventListener(type, unlock, true);
    });
    soundChanged();
  }

  function decode(data) {
    return new Promise(function (resolve) {
      try {
        var p = voice.ctx.decodeAudioData(data, resolve, function () { resolve(null); });
        if (p && p.catch) p.catch(function () { resolve(null); });
      } catch (err) {
        resolve(null);
      }
    });
  }

  /** A clip's sound (an AudioBuffer), or null when the pack has none. */
  function loadClip(name) {
    if (!voice.clips[name]) {
      var clips = voice.clips;
      clips[name] = fetch('/api/v1/voice/clip?name=' + encodeURIComponent(name))
        .then(function (resp) { return resp.ok ? resp.arrayBuffer().then(decode) : null; })
        .catch(function () {
          delete clips[name]; // the network, not the pack: try again next time
          return null;
        });
    }
    return voice.clips[name];
  }

  /** The announcement of a call from the server (sothutu/voice/announce.py), clips preloaded. */
  function fetchAnnouncement(sp) {
    var url = '/api/v1/voice/announcement?code=' + encodeURIComponent(sp.code) +
      '&counter=' + sp.counter + '&recall=' + (sp.recall ? 'true' : 'false') +
      (sp.recall && sp.calls ? '&calls=' + sp.calls : '');
    function attempt() {
      return fetch(url, { cache: 'no-store' }).then(function (resp) {
        if (resp.status >= 400 && resp.status < 500) return null;
        if (!resp.ok) throw new Error('HTTP ' + resp.status);
        return resp.json().then(function (ann) {
          ann.clips.forEach(loadClip);
          return ann;
        });
      }).catch(function () {
        if (Date.now() - sp.at > MAX_AGE_MS) return null;
        return sleep(1000).then(attempt);
      });
    }
    return attempt();
  }

  function announce(sp) {
    if (!voice.on || (MODE === 'counter' && sp.counter !== COUNTER)) return;
    voice.queue.push({ spoken: sp, ann: fetchAnnouncement(sp) });
    pump();
  }

  /** Resolves when the audio clock reaches t (or a while after, if the clock stalls). */
  function untilAudioTime(t) {
    var giveUp = Date.now() + (t - voice.ctx.currentTime) * 1000 + 5000;
    return new Promise(function (resolve) {
      (function check() {
        var left = t - voice.ctx.currentTime;
        if (left <= 0 || Date.now() > giveUp) resolve();
        else setTimeout(check, Math.max(15, left * 1000));
      })();
    });
  }

  function play(parts, sp) {
    var ctx = voice.ctx;
    var gain = ctx.createGain();
    gain.gain.value = BOOT.voice.volume;
    gain.connect(ctx.destination);
    var t = ctx.currentTime + 0.05;
    parts.forEach(function (p) {
      var src = ctx.createBufferSource();
      src.buffer = p.buffer;
      src.connect(gain);
      src.start(t);
      note({ code: sp.code, counter: sp.counter, recall: sp.recall, clip: p.name,
        start: t, end: t + p.buffer.duration });
      t += p.buffer.duration + p.pause / 1000;
    });
    return untilAudioTime(t);
  }

  // One announcement at a time, in call order; none dropped; a call older than
  // [voice] max_age when its turn comes is shown but not said. (A chain of promises,
  // not async/await: Chrome 53 has no async functions.)
  function pump() {
    if (voice.busy || !soundOn()) return;
    voice.busy = true;
    next();
  }

  function idle() {
    voice.busy = false;
  }

  function next() {
    if (!voice.queue.length || !soundOn()) {
      idle();
      return;
    }
    var item = voice.queue.shift();
    var sp = item.spoken;
    var age = Date.now() - sp.at;
    if (age > MAX_AGE_MS) {
      note({ code: sp.code, counter: sp.counter, recall: sp.recall, skipped: age / 1000 });
      next();
      return;
    }
    item.ann.then(function (ann) {
      if (!ann || !ann.clips.length) return null;
      return Promise.all(ann.clips.map(loadClip)).then(function (buffers) {
        if (buffers.indexOf(null) < 0) {
          return ann.clips.map(function (name, i) {
            return { name: name, buffer: buffers[i], pause: ann.pauses_ms[i] };
          });
        }
        // a clip is missing: the chime alone, still a cue
        return loadClip('chime').then(function (chime) {
          return chime ? [{ name: 'chime', buffer: chime, pause: 0 }] : null;
        });
      });
    }).then(function (parts) {
      if (!parts || !parts.length) return null;
      return play(parts, sp).then(function () { return sleep(GAP_MS); });
    }).then(next, function () {
      idle(); // (nothing above rejects; never leave the queue stuck if it did)
      pump();
    });
  }

  // --- start ------------------------------------------------------------------------------

  window.SothutuDisplay = {
    initial: initial,
    connection: connection,
    apply: apply,
    heartbeat: heartbeat,
    view: view,
    counterView: counterView,
    nextChange: nextChange,
    state: function () { return state; }
  };

  startAudio();
  render();
  if (MODE === 'wall') fitAll();
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fitAll);
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      gridShape = '';
      render();
      fitAll();
    }, 100);
  });
  connect();
})();
