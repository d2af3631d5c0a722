/**
 * The page's own script (plain ES2020 for the browser, kept as text: the project's TypeScript has
 * no DOM types). It reads the rows blocks, builds a sortable, filterable, paged table, and draws a
 * connection's pictures with `window.tcptraceDraw` when its row is clicked (or Enter is pressed).
 * Errors are shown in the page, never thrown to the console.
 *
 * Filter syntax: words match anywhere in the row; `col:value` matches one column (`state:` either
 * end state; `client:`, `server:`, `open:`, `close:`, `zeek:`, `id:`); numbers take `>`, `<`, `=`
 * (`rtt:>10`, `bytes:<1000`, `retrans:>0`, `failed:>0`).
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var W = JSON.parse(document.getElementById('words').textContent);
  var PAGE = 200;
  var COLS = [
    ['id', 1, 'n'], ['client', 2, ''], ['server', 3, ''], ['clientState', 4, ''], ['serverState', 5, ''],
    ['open', 6, ''], ['close', 7, ''], ['rtt', 8, 'n'], ['bytes', 9, 'n'], ['retrans', 10, 'n'], ['zeek', 11, '']
  ];
  var NAMED = { id: 1, client: 2, server: 3, open: 6, close: 7, rtt: 8, bytes: 9, retrans: 10, zeek: 11, failed: 12, input: 0 };
  var rows = [];
  var view = [];
  var sortCol = 1, sortDir = 1, page = 0;
  var cache = new Map();

  function b64bytes(b64) {
    var bin = atob(b64.trim());
    var u = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    return u;
  }
  function inflate(b64) {
    var stream = new Blob([b64bytes(b64)]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text().then(JSON.parse);
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(v) { return v === null ? '' : typeof v === 'number' ? v.toLocaleString('en-US') : v; }

  function matcher(text) {
    var tests = text.trim().split(/\s+/).filter(Boolean).map(function (tok) {
      var m = /^([a-zA-Z]+):(.*)$/.exec(tok);
      if (m && (m[1] in NAMED || m[1] === 'state')) {
        var key = m[1], val = m[2];
        var num = /^([<>=])(-?[\d.]+)$/.exec(val);
        if (num && key in NAMED) {
          var col = NAMED[key], n = Number(num[2]);
          return function (r) { var v = r[col]; if (v === null) return false; return num[1] === '>' ? v > n : num[1] === '<' ? v < n : v === n; };
        }
        var low = val.toLowerCase();
        if (key === 'state') return function (r) { return r[4].toLowerCase().indexOf(low) === 0 || r[5].toLowerCase().indexOf(low) === 0; };
        var c = NAMED[key];
        return function (r) { return String(r[c]).toLowerCase().indexOf(low) >= 0; };
      }
      var t = tok.toLowerCase();
      return function (r) { return r.join(' ').toLowerCase().indexOf(t) >= 0; };
    });
    return function (r) { return tests.every(function (f) { return f(r); }); };
  }

  function apply() {
    var f = matcher(document.getElementById('filter').value);
    view = rows.filter(f);
    var c = sortCol, d = sortDir;
    view.sort(function (a, b) {
      var x = a[c], y = b[c];
      if (x === y) return a[0] - b[0] || a[1] - b[1];
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * d;
    });
    page = Math.min(page, Math.max(0, Math.ceil(view.length / PAGE) - 1));
    draw();
  }

  function draw() {
    var body = document.getElementById('rows');
    body.textContent = '';
    var from = page * PAGE;
    view.slice(from, from + PAGE).forEach(function (r) {
      var tr = el('tr', { class: 'conn', tabindex: '0', 'data-input': String(r[0]), 'data-id': String(r[1]) });
      COLS.forEach(function (col) {
        var td = el('td', col[2] ? { class: col[2] } : {}, fmt(r[col[1]]));
        if (col[0] === 'id' && r[12] > 0) td.className += ' bad';
        tr.appendChild(td);
      });
      tr.addEventListener('click', function () { toggle(tr, r); });
      tr.addEventListener('keydown', function (e) { if (e.key === 'Enter') toggle(tr, r); });
      body.appendChild(tr);
    });
    document.getElementById('count').textContent = W.shown.replace('{shown}', view.length.toLocaleString('en-US')).replace('{total}', rows.length.toLocaleString('en-US')) +
      (view.length > PAGE ? ' · ' + (page + 1) + '/' + Math.ceil(view.length / PAGE) : '');
  }

  /** The blocks whose id range holds id (ranges may overlap: records come in about id order). */
  function blocks(input, id) {
    return Array.prototype.filter.call(document.querySelectorAll('script.pics[data-input="' + input + '"]'), function (e) {
      return id >= Number(e.dataset.first) && id <= Number(e.dataset.last);
    });
  }

  function load(e) {
    var key = e.dataset.input + ':' + e.dataset.first + ':' + e.dataset.last;
    if (!cache.has(key)) {
      if (cache.size >= 4) cache.delete(cache.keys().next().value);
      cache.set(key, inflate(e.textContent));
    }
    return cache.get(key);
  }

  function pictures(input, id) {
    var list = blocks(input, id);
    function next(i) {
      if (i >= list.length) return Promise.resolve(null);
      return load(list[i]).then(function (all) { return all[String(id)] || next(i + 1); });
    }
    return next(0);
  }

  function toggle(tr, r) {
    var next = tr.nextElementSibling;
    if (next && next.classList.contains('detail')) { next.remove(); return; }
    var d = el('tr', { class: 'detail' });
    var td = el('td', { colspan: String(COLS.length) });
    d.appendChild(td);
    tr.after(d);
    pictures(r[0], r[1]).then(function (p) {
      if (p === null) { td.textContent = W.noSegments; return; }
      var box = el('div', { class: 'pics' });
      p.figures.forEach(function (f) { box.appendChild(el('div', { class: 'fig' }, f)); });
      var svgs = [window.tcptraceDraw.drawLadder(p.ladder, W), window.tcptraceDraw.drawSeq(p.seq[0], W), window.tcptraceDraw.drawSeq(p.seq[1], W)];
      svgs.forEach(function (s) {
        var doc = new DOMParser().parseFromString(s, 'image/svg+xml');
        box.appendChild(document.importNode(doc.documentElement, true));
      });
      td.appendChild(box);
    }).catch(function (e) { td.textContent = String(e && e.message || e); td.className = 'bad'; });
  }

  var head = document.getElementById('head');
  COLS.forEach(function (col) {
    var th = el('th');
    var b = el('button', { type: 'button', 'data-col': col[0] }, W.col[col[0]]);
    b.addEventListener('click', function () {
      if (sortCol === col[1]) sortDir = -sortDir; else { sortCol = col[1]; sortDir = 1; }
      apply();
    });
    th.appendChild(b);
    head.appendChild(th);
  });
  document.getElementById('filter').addEventListener('input', function () { page = 0; apply(); });
  document.getElementById('prev').addEventListener('click', function () { if (page > 0) { page--; draw(); } });
  document.getElementById('next').addEventListener('click', function () { if ((page + 1) * PAGE < view.length) { page++; draw(); } });

  var rowBlocks = Array.prototype.slice.call(document.querySelectorAll('script.rows'));
  Promise.all(rowBlocks.map(function (b) { return inflate(b.textContent); })).then(function (lists) {
    lists.forEach(function (l) { for (var i = 0; i < l.length; i++) rows.push(l[i]); });
    apply();
    document.body.setAttribute('data-ready', String(rows.length));
  }).catch(function (e) {
    document.getElementById('count').textContent = String(e && e.message || e);
    document.body.setAttribute('data-ready', 'error');
  });
})();
`;
