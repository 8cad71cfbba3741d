// The Train page's live panel: a run's status, progress, tiles, curves and log, updated
// from the live feed (GET api/live/<run>) every `every_ms`, with no Streamlit rerun; without
// a feed (`url` null: the run has ended) only its curves, drawn once. When
// the run's state differs from the one the page drew (it ended, its model was saved; not a
// queued run that started) the
// panel asks the page to redraw once (the "changed" trigger) and stops polling.
const NS = "http://www.w3.org/2000/svg";
const TRAIN = "#1c7ed6", VALID = "#c2255c";  // charts.TRAIN_COLOR, charts.VALIDATION_COLOR

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
function fmt(v) {
  if (!isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2).replace("e+", "e");
  return Number(v.toPrecision(3)).toLocaleString("en-US", {maximumFractionDigits: 4});
}

function chart(name, title, lines, planned, logY, d) {
  // lines: [{values, colour, dash, label}]; drawn on x 1..planned
  const W = 560, H = 210, L = 64, R = 28, T = 8, B = 40;
  const ok = v => v !== null && isFinite(v) && (!logY || v > 0);  // null: NaN in the run
  const all = lines.flatMap(l => l.values).filter(ok);
  const root = svg("svg", {viewBox: `0 0 ${W} ${H}`, role: "img", class: "ll-chart"});
  const last = lines.find(l => !l.dash && l.values.length);
  root.setAttribute("aria-label", `Chart: ${title} per epoch, growing while the run trains`
    + (last ? `; ${last.label} ${fmt(Number(last.values[last.values.length - 1]))} at epoch `
      + `${last.values.length}` : "") + ".");
  const right = Math.max(planned, ...lines.map(l => l.values.length), 2);
  let lo = Math.min(...all), hi = Math.max(...all);
  if (!all.length) { lo = 0; hi = 1; }
  const f = logY ? Math.log10 : (v => v);
  let a = f(lo), b = f(hi);
  if (a === b) { a -= 0.5; b += 0.5; }
  const pad = (b - a) * 0.05; a -= pad; b += pad;
  if (!logY && lo >= 0 && a < 0) a = 0;  // values never below 0 (a loss): no axis below 0
  const x = i => L + (i + 1 - 0.5) / (right) * (W - L - R);
  const y = v => T + (1 - (f(v) - a) / (b - a)) * (H - T - B);
  root.appendChild(svg("rect", {x: L, y: T, width: W - L - R, height: H - T - B,
                                class: "ll-plot"}));
  for (let k = 0; k <= 4; k++) {  // y ticks
    const t = a + (b - a) * k / 4, v = logY ? Math.pow(10, t) : t;
    const yy = T + (1 - k / 4) * (H - T - B);
    root.appendChild(svg("line", {x1: L, x2: W - R, y1: yy, y2: yy, class: "ll-grid"}));
    const lab = svg("text", {x: L - 6, y: yy + 4, "text-anchor": "end", class: "ll-tick"});
    lab.textContent = fmt(v);
    root.appendChild(lab);
  }
  const step = Math.max(1, Math.ceil(right / 6 / 5) * 5 * (right > 10 ? 1 : 0.2));
  for (let e = (right > 10 ? step : 1); e <= right; e += (right > 10 ? step : 1)) {
    const lab = svg("text", {x: x(e - 1), y: H - B + 18, class: "ll-tick",
                             "text-anchor": e + (right > 10 ? step : 1) > right && right > 10
                               ? "end" : "middle"});
    lab.textContent = String(e);
    root.appendChild(lab);
  }
  const xt = svg("text", {x: L + (W - L - R) / 2, y: H - 6, "text-anchor": "middle",
                          class: "ll-tick"});
  xt.textContent = "epoch";
  root.appendChild(xt);
  for (const l of lines) {
    const pts = l.values.map((v, i) => ok(v)
      ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : null).filter(Boolean);
    if (!pts.length) continue;
    root.appendChild(svg("polyline", {points: pts.join(" "), fill: "none", stroke: l.colour,
      "stroke-width": l.dash ? 1.5 : 2.5, "stroke-dasharray": l.dash ? "6 4" : "none",
      opacity: l.dash ? 0.55 : 1}));
  }
  return root;
}

function titled(title, lines, picture) {
  // The chart's title and its key as text above the picture (they wrap; never clipped).
  const box = el("div", "ll-box");
  const key = el("p", "ll-legend");
  for (const l of lines) {
    const item = el("span", "ll-key");
    const swatch = el("span", "ll-swatch" + (l.dash ? " ll-dashed" : ""));
    swatch.style.borderColor = l.colour;
    item.append(swatch, document.createTextNode(l.label));
    key.appendChild(item);
  }
  box.append(el("p", "ll-title", title), key, picture);
  return box;
}

function curveLines(name, history, data) {
  // The lines of quantity `name`'s chart: the compared run dashed, then this run's.
  const lines = [];
  const prev = data.compared || {};
  if (prev[name]) lines.push({values: prev[name], colour: TRAIN, dash: true,
                              label: `training (${data.compared_name})`});
  if (prev["val_" + name]) lines.push({values: prev["val_" + name], colour: VALID, dash: true,
                                       label: `${data.validation_label} (${data.compared_name})`});
  lines.push({values: history[name], colour: TRAIN, dash: false, label: "training"});
  if (history["val_" + name]) lines.push({values: history["val_" + name], colour: VALID,
                                          dash: false, label: data.validation_label});
  return lines;
}

function chartList(history, titles, planned, data) {
  // One titled chart per quantity (loss first); `data.alts`: a finished run's words per chart.
  const names = Object.keys(history).filter(n => !n.startsWith("val_"));
  names.sort((p, q) => (q === "loss") - (p === "loss"));
  return names.map(n => {
    const lines = curveLines(n, history, data);
    const logY = !!(data.log_y && n === "loss");
    const title = (titles[n] || n) + (logY ? " (log scale)" : "");
    const picture = chart(n, titles[n] || n, lines, planned, logY, data);
    if (data.alts && data.alts[n]) picture.setAttribute("aria-label", data.alts[n]);
    return titled(title, lines, picture);
  });
}

function curvesOnly(host, data) {
  // A run that has ended: its curves, drawn once (no feed, nothing polled).
  let root = host.querySelector(".ll-live");
  if (!root) {
    root = el("div", "ll-live");
    host.appendChild(root);
  }
  root.classList.toggle("ll-projector", !!data.projector);
  const charts = el("div", "ll-charts");
  const drawn = chartList(data.history, data.titles, data.planned, data);
  charts.replaceChildren(...(drawn.length ? drawn : [el("p", "ll-empty", data.empty)]));
  root.replaceChildren(charts);
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const host = parentElement;
  if (host.__llStop) host.__llStop();  // a redraw with new data: one poller at a time
  if (!data.url) return curvesOnly(host, data);
  let root = host.querySelector(".ll-live");
  if (!root) {
    root = el("div", "ll-live");
    host.appendChild(root);
  }
  root.classList.toggle("ll-projector", !!data.projector);
  root.innerHTML = "";
  const status = el("div", "ll-status");
  const bar = el("div", "ll-bar");
  const fill = el("div", "ll-fill");
  bar.appendChild(fill);
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  const words = el("p", "ll-text");
  status.append(words, bar);
  const tileRow = el("div", "ll-tiles"), charts = el("div", "ll-charts");
  const logHead = el("p", "ll-logtitle"), log = el("pre", "ll-log");
  log.setAttribute("tabindex", "0");
  root.append(status, tileRow, charts, logHead, log);

  const history = {};
  let stopped = false, timer = null, failures = 0;
  // Whether the run is active and whether its model is being saved decide the page around
  // the panel; a queued run that starts needs no redraw (the panel polls faster then).
  const drawnState = JSON.stringify(data.state.slice(0, 2));
  let every = data.state[2] ? data.queued_every_ms : data.every_ms;

  const titles = Object.assign({}, data.titles);
  let shownEpochs = -1, chartsAt = 0, chartsEpochs = -1;
  function paint(s, last) {
    // The words and the bar each poll; the tiles when an epoch ended; the charts (what costs
    // the browser most) at most every charts_every_ms, and at the end.
    Object.assign(titles, s.titles || {});
    for (const [name, values] of Object.entries(s.history)) {
      history[name] = (history[name] || []).slice(0, s.since).concat(values);
    }
    words.textContent = s.text;
    const pct = Math.round(100 * s.fraction);
    fill.style.width = pct + "%";
    bar.setAttribute("aria-valuenow", String(pct));
    bar.setAttribute("aria-label", s.text);
    if (s.epochs !== shownEpochs || last) {
      shownEpochs = s.epochs;
      tiles(s);
    }
    const now = Date.now();
    if (last || (s.epochs !== chartsEpochs && now - chartsAt >= data.charts_every_ms)) {
      chartsAt = now;
      chartsEpochs = s.epochs;
      drawCharts();
    }
  }

  function tiles(s) {
    tileRow.replaceChildren(...s.tiles.map(t => {
      const tile = el("div", "ll-tile");
      tile.title = t.help;
      tile.append(el("p", "ll-label", t.label), el("p", "ll-value", t.value));
      if (t.delta) {
        const up = t.delta.startsWith("+"), same = t.colour === "off" || t.delta === "±0";
        const good = t.colour === "normal" ? up : !up;
        tile.appendChild(el("p", "ll-delta " + (same ? "ll-same" : good ? "ll-good" : "ll-bad"),
                            (same ? "" : up ? "↑ " : "↓ ") + t.delta));
      }
      return tile;
    }));
    logHead.textContent = "Epoch log" + (s.log_lines > s.log.length
      ? ` (the last ${s.log.length} of ${s.log_lines} lines)` : "");
    log.textContent = s.log.length ? s.log.join("\n") : "The first epoch's line appears when it ends.";
  }

  function drawCharts() {
    const drawn = chartList(history, titles, data.planned, data);
    charts.replaceChildren(...(drawn.length ? drawn : [el("p", "ll-empty",
      "The first epoch's values appear here when it ends.")]));
  }

  async function tick() {
    if (stopped) return;
    try {
      const have = Object.keys(history).length ? (history.loss || []).length : 0;
      const r = await fetch(`${data.url}&since=${have}`, {cache: "no-store"});
      if (stopped) return;
      if (r.status === 404) { stopped = true; setTriggerValue("changed", "gone"); return; }
      const s = await r.json();
      failures = 0;
      every = s.state[2] ? data.queued_every_ms : data.every_ms;
      if (JSON.stringify(s.state.slice(0, 2)) !== drawnState) {
        paint(s, true);
        stopped = true;
        setTriggerValue("changed", s.status);
        return;
      }
      paint(s);
    } catch (err) {
      failures += 1;  // the server restarting: Streamlit's own connection says so
    }
    if (!stopped) timer = setTimeout(tick, every * Math.min(8, 1 + failures));
  }

  paint(data.initial, true);
  timer = setTimeout(tick, every);
  host.__llStop = () => { stopped = true; clearTimeout(timer); };
  return host.__llStop;
}
