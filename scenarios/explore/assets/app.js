// ipamsim ui: the page's script. Every input change (debounced) asks
// /api/run for a run and redraws the figures and charts; "Pin as base" keeps
// the current run to draw beside the next ones on shared axes. No build step
// and no framework: uPlot (assets/uplot, vendored) draws the charts.
'use strict';
(function () {
  const DEBOUNCE_MS = 60;
  const FLAG_INPUTS = ['instance-type', 'assign-order', 'seed', 'policy'];
  const $ = (id) => document.getElementById(id);

  const state = {
    meta: null,
    cur: null, curQuery: '', // the last good run and the query that made it
    base: null, baseQuery: '', // the pinned run
    extra: {}, // query parameters without an input here (e.g. MAX_ENI=2)
    seq: 0, timer: 0, changeAt: 0, controller: null,
    busy: false, // a request is on its way
    answered: null, // the query of the last answer shown (a run or an error)
  };
  const charts = {}; // uPlot instances by chart id
  const latencies = []; // per redraw: input change → frame, request, server run (ms)
  // settled: every change has been answered and drawn (for tests).
  const settled = () => !state.timer && !state.busy && state.meta !== null && state.answered === currentQuery();
  window.ipamsimUI = { state, charts, latencies, settled };

  // The summary figures: id, label, summary key, decimals. Lower is better
  // for every one of them.
  const FIGURES = [
    ['p99', 'p99 pod IP wait (s)', 'wait_p99_seconds', 3],
    ['max', 'max pod IP wait (s)', 'wait_max_seconds', 3],
    ['never', 'pods never assigned', 'pods_never_assigned', 0],
    ['waited', 'pods that waited', 'pods_waited', 0],
    ['mean', 'mean addresses held', 'mean_addresses_held', 1],
    ['peak', 'peak addresses held', 'peak_addresses_held', 0],
    ['idle', 'peak idle addresses', 'peak_idle_addresses', 0],
    ['enis', 'peak ENIs', 'peak_enis', 0],
    ['ec2', 'EC2 calls', 'ec2_calls_total', 0],
    ['throttled', 'EC2 calls throttled', 'throttled_calls', 0],
  ];

  // The time charts: each draws columns of the run's series.
  const CHARTS = [
    { id: 'addresses', title: 'Addresses on the node', cols: [['held', 'held', '#1f6feb'], ['assigned', 'assigned to pods', '#2da44e'], ['idle', 'idle (held − assigned)', '#d97706']], limit: true },
    { id: 'waiting', title: 'Pods waiting for an address (most at once per sample)', cols: [['waiting', 'pods waiting', '#cf222e']] },
    { id: 'enis', title: 'ENIs attached', cols: [['enis', 'ENIs', '#8250df']] },
    { id: 'ec2', title: 'EC2 calls since the start', cols: [['ec2', 'EC2 calls', '#0969da'], ['throttled', 'throttled', '#bc4c00']] },
  ];

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ---- controls ----

  function buildControls() {
    const m = state.meta;
    const sel = $('scenario');
    for (const sc of m.scenarios) sel.add(new Option(sc.id === sc.name ? sc.name : `${sc.name} (${sc.id})`, sc.id));
    const box = $('settings');
    for (const s of m.settings) {
      const div = el('div', { class: 'field' });
      div.append(el('label', { for: s.name }, s.name));
      if (s.kind === 'bool') {
        const c = el('select', { id: s.name, name: s.name });
        c.add(new Option('true', 'true'));
        c.add(new Option('false', 'false'));
        div.append(c);
      } else {
        const pair = el('div', { class: 'pair' });
        const input = el('input', { id: s.name, name: s.name, inputmode: 'numeric', spellcheck: 'false' });
        const slider = el('input', { type: 'range', id: s.name + '-slider', min: String(s.min), step: '1', 'aria-label': s.name + ' slider', tabindex: '-1' });
        slider.addEventListener('input', () => { input.value = slider.value; changed(); });
        input.addEventListener('input', () => syncSlider(s.name));
        pair.append(input, slider);
        div.append(pair);
      }
      div.append(el('small', { class: 'help' }, s.help + (s.kind === 'seconds' ? ' (seconds)' : '')));
      div.append(el('div', { class: 'err', id: 'err-' + s.name, role: 'alert' }));
      box.append(div);
    }
    const dl = $('instance-types');
    for (const t of m.instance_types) dl.append(el('option', { value: t.name }));
    for (const o of m.assign_orders) $('assign-order').add(new Option(o, o));
    for (const p of m.policies) $('policy').add(new Option(p, p));

    for (const c of $('controls').querySelectorAll('input[name], select[name]')) {
      c.addEventListener(c.tagName === 'SELECT' ? 'change' : 'input', () => {
        if (c.id === 'scenario') applyScenario();
        if (c.id === 'variant') applyVariant();
        if (c.id === 'instance-type') updateSliders();
        changed();
      });
    }
    $('controls').addEventListener('submit', (e) => e.preventDefault());
    $('pin').addEventListener('click', pin);
    $('unpin').addEventListener('click', unpin);
    $('reset').addEventListener('click', () => {
      state.extra = {};
      setValue('instance-type', scenarioMeta().instance_type);
      applyVariant();
      setDefaults();
      changed();
    });
    $('copy').addEventListener('click', copyCommand);
  }

  function setValue(name, v) {
    const c = $(name);
    if (!c) return false;
    if (c.tagName === 'SELECT' && ![...c.options].some((o) => o.value === v)) c.add(new Option(v, v));
    c.value = v;
    syncSlider(name);
    return true;
  }

  function scenarioMeta() {
    const m = state.meta;
    return m.scenarios.find((s) => s.id === $('scenario').value) || m.scenarios.find((s) => s.id === m.default_scenario);
  }

  // applyScenario shows the chosen scenario's question, variants, instance
  // type and settings.
  function applyScenario() {
    const sc = scenarioMeta();
    $('question').textContent = sc.question;
    const vs = $('variant');
    vs.replaceChildren();
    for (const v of sc.variants) vs.add(new Option(v.name, v.name));
    vs.disabled = sc.variants.length < 2;
    setValue('instance-type', sc.instance_type);
    applyVariant();
  }

  function applyVariant() {
    const sc = scenarioMeta();
    const v = sc.variants.find((x) => x.name === $('variant').value) || sc.variants[0];
    for (const [k, val] of Object.entries(v.settings)) setValue(k, val);
    updateSliders();
  }

  function setDefaults() {
    const m = state.meta;
    setValue('assign-order', m.default_assign_order);
    setValue('seed', String(m.default_seed));
    setValue('policy', m.default_policy);
  }

  // applyParams sets the inputs from a link's query.
  function applyParams(p) {
    const m = state.meta;
    setValue('scenario', p.get('scenario') || m.default_scenario);
    applyScenario();
    if (p.has('variant')) setValue('variant', p.get('variant'));
    applyVariant();
    setDefaults();
    for (const [k, v] of p) {
      if (k === 'scenario' || k === 'variant') continue;
      if (!setValue(k, v)) state.extra[k] = v; // the server checks it
    }
    updateSliders();
  }

  function instanceMeta() {
    return state.meta.instance_types.find((t) => t.name === $('instance-type').value.trim());
  }

  // updateSliders bounds each slider by the instance type's limits.
  function updateSliders() {
    const t = instanceMeta();
    for (const s of state.meta.settings) {
      const sl = $(s.name + '-slider');
      if (!sl) continue;
      let max = Number(s.slider_max);
      if (t && s.slider_max === 'enis') max = t.enis;
      else if (t && (s.slider_max === 'addresses' || s.slider_max === 'prefixes')) max = t.enis * (t.ipv4_per_eni - 1);
      else if (!Number.isFinite(max)) max = 30;
      sl.max = String(Math.max(max, 1));
      syncSlider(s.name);
    }
  }

  function syncSlider(name) {
    const sl = $(name + '-slider');
    const v = $(name).value.trim();
    if (sl && /^\d+$/.test(v)) sl.value = v;
  }

  function currentQuery() {
    const q = new URLSearchParams();
    q.set('scenario', $('scenario').value);
    q.set('variant', $('variant').value);
    for (const s of state.meta.settings) q.set(s.name, $(s.name).value);
    for (const n of FLAG_INPUTS) q.set(n, $(n).value);
    for (const [k, v] of Object.entries(state.extra)) q.set(k, v);
    return q.toString();
  }

  // ---- runs ----

  function changed() {
    state.changeAt = performance.now();
    clearTimeout(state.timer);
    state.timer = setTimeout(() => { state.timer = 0; request(); }, DEBOUNCE_MS);
    updateLink();
  }

  async function fetchRun(query, signal) {
    const res = await fetch('api/run?' + query, { signal });
    return { ok: res.ok, body: await res.json() };
  }

  async function request() {
    const query = currentQuery();
    const seq = ++state.seq;
    if (state.controller) state.controller.abort();
    const ctl = (state.controller = new AbortController());
    const changeAt = state.changeAt;
    const t0 = performance.now();
    setStatus('Running…', 'busy');
    state.busy = true;
    let r;
    try {
      r = await fetchRun(query, ctl.signal);
    } catch (e) {
      if (seq === state.seq) {
        state.busy = false;
        if (e.name !== 'AbortError') setStatus('Request failed (' + e.message + '); the charts show the last good run', 'bad');
      }
      return;
    }
    if (seq !== state.seq) return; // a newer request is on its way
    const fetchMs = performance.now() - t0;
    clearErrors();
    if (!r.ok) {
      showError(r.body);
      state.answered = query;
      state.busy = false;
      return;
    }
    state.cur = r.body;
    state.curQuery = query;
    render();
    requestAnimationFrame(() => {
      const total = performance.now() - changeAt;
      latencies.push({ total, fetch: fetchMs, run: r.body.run_ms });
      state.answered = query;
      state.busy = false;
      document.body.dataset.runs = String(latencies.length);
      setStatus(`Redrawn ${total.toFixed(0)} ms after the change (${DEBOUNCE_MS} ms debounce, ${fetchMs.toFixed(0)} ms request, run ${r.body.run_ms.toFixed(1)} ms)`, 'ok');
    });
  }

  function setStatus(text, cls) {
    const s = $('status');
    s.textContent = text;
    s.className = 'status st-' + cls;
  }

  function clearErrors() {
    for (const e of document.querySelectorAll('.err')) e.textContent = '';
    for (const c of document.querySelectorAll('.bad')) { c.classList.remove('bad'); c.removeAttribute('aria-invalid'); }
    delete document.body.dataset.error;
  }

  // showError puts the server's message (the CLI's wording) next to the
  // input it belongs to; the last good run stays on screen.
  function showError(body) {
    const f = body.field;
    const box = f && $('err-' + f);
    (box || $('query-error')).textContent = body.error;
    const c = f && $(f);
    if (c) { c.classList.add('bad'); c.setAttribute('aria-invalid', 'true'); }
    document.body.dataset.error = body.error;
    setStatus((f ? f + ': not run. ' : 'Not run. ') + (state.cur ? 'The charts show the last good run.' : ''), 'bad');
  }

  // ---- pin ----

  function pin() {
    if (!state.cur) return;
    state.base = state.cur;
    state.baseQuery = state.curQuery;
    $('unpin').disabled = false;
    render();
    updateLink();
  }

  function unpin() {
    state.base = null;
    state.baseQuery = '';
    $('unpin').disabled = true;
    render();
    updateLink();
  }

  function updateLink() {
    let href = '?' + currentQuery();
    if (state.base) href += '&pin=' + encodeURIComponent(state.baseQuery);
    $('link').href = href;
    history.replaceState(null, '', href);
  }

  function copyCommand() {
    const text = $('command').textContent;
    const done = () => { $('copy').textContent = 'Copied'; setTimeout(() => ($('copy').textContent = 'Copy'), 1200); };
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, () => selectCommand());
    else selectCommand();
  }

  function selectCommand() {
    const r = document.createRange();
    r.selectNodeContents($('command'));
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
  }

  // ---- rendering ----

  function fmt(v, dp) {
    return v == null ? '–' : Number(v).toFixed(dp);
  }

  function fmtDelta(d, b, dp) {
    if (Math.abs(d) < Math.pow(10, -dp) / 2) return '=';
    let s = (d > 0 ? '+' : '−') + Math.abs(d).toFixed(dp);
    if (b) s += ` (${d > 0 ? '+' : '−'}${Math.abs((100 * d) / b).toFixed(0)}%)`;
    return s;
  }

  function fmtTime(s) {
    if (s == null) return '–';
    const t = Math.round(s), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
    const mm = String(m).padStart(h ? 2 : 1, '0') + ':' + String(sec).padStart(2, '0');
    return h ? h + ':' + mm : mm;
  }

  function render() {
    const cur = state.cur, base = state.base;
    document.body.classList.toggle('pinned', !!base);
    $('question').textContent = cur.question;
    $('col-cur').textContent = base ? 'this run' : 'value';
    const tb = $('figures').tBodies[0];
    tb.replaceChildren();
    for (const [id, label, key, dp] of FIGURES) {
      const c = cur.summary[key];
      const tr = el('tr');
      tr.append(el('th', {}, label), el('td', { id: 'fig-' + id, class: 'num' }, fmt(c, dp)));
      if (base) {
        const b = base.summary[key], d = c - b;
        tr.append(el('td', { id: 'base-' + id, class: 'num basecol' }, fmt(b, dp)));
        tr.append(el('td', { id: 'delta-' + id, class: 'num basecol ' + (d < 0 ? 'better' : d > 0 ? 'worse' : '') }, fmtDelta(d, b, dp)));
      }
      tb.append(tr);
    }
    $('command').textContent = cur.command;
    const w = $('warnings');
    w.replaceChildren();
    for (const x of cur.warnings) w.append(el('li', {}, x));
    drawCharts();
  }

  // merge puts several runs' columns on one x axis (the union of their
  // sample times); a column is null where its run has no sample.
  function merge(parts) {
    if (parts.length === 1) return [parts[0].x, ...parts[0].ys];
    const xs = [...new Set(parts.flatMap((p) => p.x))].sort((a, b) => a - b);
    const at = new Map(xs.map((x, i) => [x, i]));
    const out = [xs];
    for (const p of parts) {
      for (const ys of p.ys) {
        const col = new Array(xs.length).fill(null);
        p.x.forEach((x, i) => { col[at.get(x)] = ys[i]; });
        out.push(col);
      }
    }
    return out;
  }

  // Time axis steps in seconds: 1 s to a day, at minutes and hours.
  const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

  const stepped = () => uPlot.paths.stepped({ align: 1 });

  function seriesOpts(label, color, isBase, extra) {
    return Object.assign({ label: isBase ? label + ' (base)' : label, stroke: color, width: isBase ? 1.5 : 2,
      dash: isBase ? [6, 4] : undefined, spanGaps: true, paths: stepped(), points: { show: false } }, extra || {});
  }

  function chartBox(id, title) {
    let box = $('chart-' + id);
    if (!box) {
      box = el('figure', { id: 'chart-' + id, class: 'chart' });
      box.append(el('figcaption', {}, title), el('div', { class: 'plot' }));
      $('charts').append(box);
    }
    return box;
  }

  function plot(id, title, data, series, xAxis, yAxis) {
    const box = chartBox(id, title);
    const layout = series.map((s) => s.label).join('|');
    let u = charts[id];
    if (u && u.layout === layout) {
      u.setData(data);
      return;
    }
    if (u) u.destroy();
    const holder = box.querySelector('.plot');
    holder.replaceChildren();
    u = new uPlot({
      width: Math.max(holder.clientWidth, 300), height: 190,
      scales: { x: { time: false } },
      series: [{ label: xAxis.label, value: (_, v) => xAxis.fmt(v) }, ...series],
      axes: [{ values: (_, vs) => vs.map(xAxis.tick), incrs: xAxis.incrs }, yAxis || {}],
      legend: { live: true },
      cursor: { sync: { key: xAxis.sync } },
    }, data, holder);
    u.layout = layout;
    charts[id] = u;
  }

  function drawCharts() {
    const runs = [state.cur];
    if (state.base) runs.push(state.base);
    const time = { label: 'time', fmt: fmtTime, tick: fmtTime, incrs: TIME_INCRS, sync: 'time' };
    for (const c of CHARTS) {
      const parts = runs.map((r) => {
        const ys = c.cols.map(([k]) => r.series[k]);
        if (c.limit && (r === runs[0] || r.address_limit !== runs[0].address_limit)) ys.push(r.series.t.map(() => r.address_limit));
        return { x: r.series.t, ys };
      });
      const series = [];
      runs.forEach((r, i) => {
        for (const [, label, color] of c.cols) series.push(seriesOpts(label, color, i > 0));
        if (c.limit && (i === 0 || r.address_limit !== runs[0].address_limit)) {
          series.push(seriesOpts('instance limit', '#6e7781', i > 0, { width: 1, dash: [2, 3], paths: undefined }));
        }
      });
      plot(c.id, c.title, merge(parts), series, time);
    }
    // The pod-wait CDF: the share of pods (in %) that waited at most x s.
    const parts = runs.map((r) => ({ x: r.cdf.wait, ys: [r.cdf.fraction.map((f) => 100 * f)] }));
    const series = runs.map((r, i) => seriesOpts('pods (%)', '#cf222e', i > 0));
    const data = merge(parts);
    data.push(data[0].map(() => 99));
    series.push({ label: 'p99', stroke: '#6e7781', width: 1, dash: [2, 3], points: { show: false } });
    const secs = { label: 'wait (s)', fmt: (v) => (v == null ? '–' : Number(v).toFixed(3) + ' s'), tick: (v) => +v.toFixed(3) + ' s', sync: 'cdf' };
    plot('cdf', 'Pod IP wait, cumulative: share of pods that waited at most this long', data, series, secs, { values: (_, vs) => vs.map((v) => v + '%') });
  }

  window.addEventListener('resize', () => {
    clearTimeout(state.resizeTimer);
    state.resizeTimer = setTimeout(() => {
      for (const [id, u] of Object.entries(charts)) {
        const holder = $('chart-' + id).querySelector('.plot');
        u.setSize({ width: Math.max(holder.clientWidth, 300), height: 190 });
      }
    }, 100);
  });

  async function init() {
    try {
      state.meta = await (await fetch('api/meta')).json();
    } catch (e) {
      setStatus('Could not load the settings schema: ' + e.message, 'bad');
      return;
    }
    buildControls();
    const p = new URLSearchParams(location.search);
    const pinned = p.get('pin');
    p.delete('pin');
    applyParams(p);
    if (pinned) {
      const r = await fetchRun(pinned);
      if (r.ok) {
        state.base = r.body;
        state.baseQuery = pinned;
        $('unpin').disabled = false;
      } else {
        $('query-error').textContent = 'pinned base: ' + r.body.error;
      }
    }
    state.changeAt = performance.now();
    updateLink();
    request();
  }

  init();
})();
