/* Learning from Mistakes — live explorables: plots, controls and the chapter explorables.
 *
 * Each explorable is a <figure class="descent-explorable" data-kind="..." data-settings="{json}">
 * written by descent.book.explorable; this file finds them and mounts the widget of that kind.
 * Controls are native <input type="range"> / <select> / checkboxes with labels and
 * aria-valuetext; the start point of a trajectory moves with the arrow keys when the plot has
 * focus (and by dragging); every change updates a live text readout (aria-live) and the page's
 * URL hash, so a link restores the settings.  Nothing is animated, so prefers-reduced-motion is
 * respected by construction.  No network, no dependencies.
 */
(function (root) {
  "use strict";
  const E = root.DescentExplorables;
  const doc = root.document;

  // Okabe–Ito, as descent.book.plotting: black, orange, sky blue, bluish green, vermillion,
  // reddish purple, blue.  In dark mode black becomes near-white.
  const COLORS = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2"];
  function dark() { return doc.documentElement.dataset.theme === "dark"; }
  function color(i) { return i === 0 && dark() ? "#f0f0f0" : COLORS[i % COLORS.length]; }

  function el(tag, attrs, children) {
    const e = doc.createElement(tag);
    for (const k in attrs || {}) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    for (const c of children || []) e.appendChild(typeof c === "string" ? doc.createTextNode(c) : c);
    return e;
  }

  // ---- number formatting as the book prints it (descent.book.notebook.number) -------------
  const SUP = { "-": "\u207b", 0: "\u2070", 1: "\u00b9", 2: "\u00b2", 3: "\u00b3", 4: "\u2074",
    5: "\u2075", 6: "\u2076", 7: "\u2077", 8: "\u2078", 9: "\u2079" };
  function fmt(x, sig) {
    sig = sig || 3;
    if (x === null || x === undefined) return "\u2014";
    if (!isFinite(x)) return x > 0 ? "\u221e" : (x < 0 ? "\u2212\u221e" : "NaN");
    if (x === 0) return "0";
    const sign = x < 0 ? "\u2212" : "", a = Math.abs(x);
    const r = Number(a.toPrecision(sig)), e = Math.floor(Math.log10(r));
    if (r >= 1e6 || r < 1e-3) {
      const m = (r / Math.pow(10, e)).toFixed(Math.max(sig - 1, 0));
      return sign + m + " \u00d7 10" + String(e).split("").map((c) => SUP[c]).join("");
    }
    const dec = Math.max(sig - 1 - e, 0);
    return sign + r.toLocaleString("en-US", { minimumFractionDigits: dec, maximumFractionDigits: dec });
  }
  function fmtInt(n) { return n === null ? "\u2014" : n.toLocaleString("en-US"); }
  E.fmt = fmt;

  // ---- shareable settings in the URL hash: #x-<id>=k:v,k:v ---------------------------------
  function readHash(id) {
    const m = (root.location.hash || "").match(new RegExp("x-" + id + "=([^&]*)"));
    if (!m) return {};
    const out = {};
    for (const kv of decodeURIComponent(m[1]).split(",")) {
      const i = kv.indexOf(":");
      if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return out;
  }
  function writeHash(id, values) {
    const text = Object.keys(values).map((k) => k + ":" + values[k]).join(",");
    const others = (root.location.hash || "").replace(/^#/, "").split("&")
      .filter((p) => p && !p.startsWith("x-" + id + "="));
    others.push("x-" + id + "=" + encodeURIComponent(text));
    try { root.history.replaceState(null, "", "#" + others.join("&")); } catch (err) { /* file:// */ }
  }

  // ---- controls ------------------------------------------------------------------------------
  // spec: {key, label, min, max, step, value, log, format(v) -> text}
  function slider(box, id, spec, onChange) {
    const inputId = id + "-" + spec.key;
    const steps = spec.log ? 200 : Math.round((spec.max - spec.min) / spec.step);
    const toValue = (pos) => spec.log
      ? spec.min * Math.pow(spec.max / spec.min, pos / steps) : spec.min + pos * spec.step;
    const toPos = (v) => spec.log
      ? Math.round(Math.log(v / spec.min) / Math.log(spec.max / spec.min) * steps)
      : Math.round((v - spec.min) / spec.step);
    const input = el("input", { type: "range", id: inputId, min: 0, max: steps, step: 1 });
    const out = el("output", { for: inputId, class: "x-value" });
    const label = el("label", { for: inputId }, [spec.label]);
    box.appendChild(el("div", { class: "x-control" }, [label, input, out]));
    // A value set exactly (the chapter's setting, or a shared link) is kept exactly until the
    // reader moves the slider: the page then computes with the very numbers the book printed.
    let exact = null;
    const ctl = {
      input: input,
      get value() {
        if (exact !== null && +input.value === exact.pos) return exact.value;
        return spec.log ? Number(toValue(+input.value).toPrecision(4)) : Number(toValue(+input.value).toFixed(10));
      },
      set value(v) {
        const pos = Math.min(steps, Math.max(0, toPos(v)));
        input.value = String(pos);
        exact = { pos: pos, value: Math.min(spec.max, Math.max(spec.min, Number(v))) };
        show();
      },
    };
    function show() {
      const text = (spec.format || fmt)(ctl.value);
      out.textContent = text;
      input.setAttribute("aria-valuetext", spec.label + " " + text);
    }
    ctl.value = spec.value;
    input.addEventListener("input", () => { show(); onChange(); });
    return ctl;
  }
  function select(box, id, spec, onChange) {
    const inputId = id + "-" + spec.key;
    const s = el("select", { id: inputId });
    for (const [value, text] of spec.options) s.appendChild(el("option", { value: value }, [text]));
    s.value = spec.value;
    box.appendChild(el("div", { class: "x-control" }, [el("label", { for: inputId }, [spec.label]), s]));
    s.addEventListener("change", onChange);
    return { input: s, get value() { return s.value; }, set value(v) { s.value = v; } };
  }
  function checkbox(box, id, spec, onChange) {
    const inputId = id + "-" + spec.key;
    const c = el("input", { type: "checkbox", id: inputId });
    c.checked = !!spec.value;
    box.appendChild(el("div", { class: "x-control x-check" }, [c, el("label", { for: inputId }, [spec.label])]));
    c.addEventListener("change", onChange);
    return { input: c, get value() { return c.checked; }, set value(v) { c.checked = v === true || v === "1" || v === "true"; } };
  }

  // ---- a 2-D landscape plot with trajectories and a movable start --------------------------
  function LandscapePlot(parent, label) {
    const canvas = el("canvas", { class: "x-canvas", tabindex: "0", role: "img", "aria-label": label });
    parent.appendChild(canvas);
    this.canvas = canvas; this.bg = null; this.key = null;
    this.start = null; this.onStart = null;
    const self = this;
    function pick(ev) {
      const r = canvas.getBoundingClientRect();
      const px = (ev.clientX - r.left) / r.width, py = (ev.clientY - r.top) / r.height;
      const [xa, xb] = self.win[0], [ya, yb] = self.win[1];
      self.setStart([xa + px * (xb - xa), yb - py * (yb - ya)]);
    }
    let dragging = false;
    canvas.addEventListener("pointerdown", (ev) => { dragging = true; canvas.setPointerCapture(ev.pointerId); pick(ev); });
    canvas.addEventListener("pointermove", (ev) => { if (dragging) pick(ev); });
    canvas.addEventListener("pointerup", () => { dragging = false; });
    canvas.addEventListener("keydown", (ev) => {
      const dx = { ArrowLeft: -1, ArrowRight: 1 }[ev.key] || 0, dy = { ArrowDown: -1, ArrowUp: 1 }[ev.key] || 0;
      if (!dx && !dy) return;
      ev.preventDefault();
      const f = ev.shiftKey ? 0.1 : 0.02;
      const w = self.win[0][1] - self.win[0][0], h = self.win[1][1] - self.win[1][0];
      self.setStart([self.start[0] + dx * f * w, self.start[1] + dy * f * h]);
    });
  }
  LandscapePlot.prototype.setStart = function (p) {
    const [xa, xb] = this.win[0], [ya, yb] = this.win[1];
    this.start = [Math.min(xb, Math.max(xa, Number(p[0].toFixed(3)))), Math.min(yb, Math.max(ya, Number(p[1].toFixed(3))))];
    if (this.onStart) this.onStart(this.start);
  };
  LandscapePlot.prototype.size = function () {
    // equal scales on both axes (contours keep their true shape), at most 0.9 times as tall as wide
    const w = Math.max(240, Math.min(560, this.canvas.parentElement.clientWidth || 480));
    const win = this.win || [[0, 1], [0, 1]];
    const ratio = (win[1][1] - win[1][0]) / (win[0][1] - win[0][0]);
    return [w, Math.round(w * Math.min(0.9, ratio))];
  };
  // Filled bands of log(f - fmin): a contour plot computed from the landscape itself.
  LandscapePlot.prototype.background = function (L, win) {
    const [W, H] = this.size();
    const key = JSON.stringify([L.name, L.params, win, W, dark()]);
    if (key === this.key) return;
    this.key = key; this.win = win;
    const cw = Math.ceil(W / 3), ch = Math.ceil(H / 3);
    const vals = new Float64Array(cw * ch);
    let lo = Infinity, hi = -Infinity;
    for (let j = 0; j < ch; j++) for (let i = 0; i < cw; i++) {
      const x = win[0][0] + (i + 0.5) / cw * (win[0][1] - win[0][0]);
      const y = win[1][1] - (j + 0.5) / ch * (win[1][1] - win[1][0]);
      const v = L.f([x, y]); vals[j * cw + i] = v;
      if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    const span = hi - lo || 1, levels = 14;
    const band = (v) => {
      const t = Math.log1p(9 * Math.max(0, v - lo) / span) / Math.log(10);  // 0..1, finer near the bottom
      return Math.min(levels - 1, Math.floor(Math.sqrt(t) * levels));
    };
    const bg = doc.createElement("canvas"); bg.width = cw; bg.height = ch;
    const ctx = bg.getContext("2d"), img = ctx.createImageData(cw, ch);
    const dk = dark();
    const bands = new Int16Array(cw * ch);
    for (let q = 0; q < cw * ch; q++) bands[q] = isFinite(vals[q]) ? band(vals[q]) : levels - 1;
    for (let j = 0; j < ch; j++) for (let i = 0; i < cw; i++) {
      const q = j * cw + i, b = bands[q] / (levels - 1);
      const edge = (i + 1 < cw && bands[q + 1] !== bands[q]) || (j + 1 < ch && bands[q + cw] !== bands[q]);
      // light: white (low) -> pale blue-grey (high); dark: the reverse; contour edges darker
      let c = dk ? [30 + 40 * b, 34 + 46 * b, 44 + 60 * b] : [250 - 60 * b, 250 - 45 * b, 252 - 25 * b];
      if (edge) c = dk ? [110, 120, 140] : [150, 160, 180];
      img.data[4 * q] = c[0]; img.data[4 * q + 1] = c[1]; img.data[4 * q + 2] = c[2]; img.data[4 * q + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    this.bg = bg;
  };
  LandscapePlot.prototype.draw = function (paths, marks) {
    const [W, H] = this.size(), c = this.canvas, dpr = root.devicePixelRatio || 1;
    if (c.width !== W * dpr) { c.width = W * dpr; c.height = H * dpr; c.style.width = W + "px"; c.style.height = H + "px"; }
    const ctx = c.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.bg, 0, 0, W, H);
    const [xa, xb] = this.win[0], [ya, yb] = this.win[1];
    const px = (x) => (x - xa) / (xb - xa) * W, py = (y) => (yb - y) / (yb - ya) * H;
    const clampPx = (v) => Math.max(-1e4, Math.min(1e4, v));
    ctx.lineJoin = "round";
    paths.forEach((p, i) => {
      ctx.strokeStyle = p.color || color(i); ctx.lineWidth = 1.6;
      ctx.setLineDash(p.dash || []);
      ctx.beginPath();
      p.xs.forEach((x, k) => { const X = clampPx(px(x[0])), Y = clampPx(py(x[1])); if (k) ctx.lineTo(X, Y); else ctx.moveTo(X, Y); });
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = p.color || color(i);
      const last = p.xs[p.xs.length - 1];
      ctx.beginPath(); ctx.arc(clampPx(px(last[0])), clampPx(py(last[1])), 3, 0, 2 * Math.PI); ctx.fill();
    });
    for (const m of marks || []) {
      ctx.strokeStyle = dark() ? "#f0f0f0" : "#000"; ctx.lineWidth = 1.5;
      const X = px(m.at[0]), Y = py(m.at[1]);
      ctx.beginPath();
      if (m.kind === "start") { ctx.arc(X, Y, 6, 0, 2 * Math.PI); }
      else { ctx.moveTo(X - 5, Y - 5); ctx.lineTo(X + 5, Y + 5); ctx.moveTo(X + 5, Y - 5); ctx.lineTo(X - 5, Y + 5); }
      ctx.stroke();
    }
  };

  // ---- a line plot: value against step, log scale on y ------------------------------------
  function CurvePlot(parent, label) {
    this.canvas = el("canvas", { class: "x-canvas x-curve", role: "img", "aria-label": label });
    parent.appendChild(this.canvas);
  }
  CurvePlot.prototype.draw = function (series, opts) {
    const o = opts || {};
    const w = Math.max(240, Math.min(560, this.canvas.parentElement.clientWidth || 480)), h = Math.round(w * 0.45);
    const c = this.canvas, dpr = root.devicePixelRatio || 1;
    if (c.width !== w * dpr) { c.width = w * dpr; c.height = h * dpr; c.style.width = w + "px"; c.style.height = h + "px"; }
    const ctx = c.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const fg = dark() ? "#e0e0e0" : "#222", bgc = dark() ? "#1e2228" : "#ffffff";
    ctx.fillStyle = bgc; ctx.fillRect(0, 0, w, h);
    const L = 46, R = 8, T = 8, B = 24;
    const logy = o.log !== false;
    const tr = (v) => (logy ? Math.log10(Math.max(v, 1e-300)) : v);
    let lo = Infinity, hi = -Infinity, n = 1;
    for (const s of series) { n = Math.max(n, s.ys.length - 1); for (const v of s.ys) if (isFinite(v) && (!logy || v > 0)) { lo = Math.min(lo, tr(v)); hi = Math.max(hi, tr(v)); } }
    for (const r of o.refs || []) if (isFinite(r.y) && (!logy || r.y > 0)) { lo = Math.min(lo, tr(r.y)); hi = Math.max(hi, tr(r.y)); }
    if (o.ymin !== undefined) lo = Math.max(lo, tr(o.ymin));
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
    const X = (k) => L + k / n * (w - L - R), Y = (v) => T + (hi - tr(v)) / (hi - lo) * (h - T - B);
    ctx.strokeStyle = fg; ctx.fillStyle = fg; ctx.lineWidth = 1; ctx.font = "11px sans-serif";
    ctx.beginPath(); ctx.moveTo(L, T); ctx.lineTo(L, h - B); ctx.lineTo(w - R, h - B); ctx.stroke();
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    const ticks = logy ? [Math.ceil(lo), Math.floor(hi)] : [lo, hi];
    for (const t of ticks) { const yy = T + (hi - t) / (hi - lo) * (h - T - B); ctx.fillText(logy ? "10" + String(t).split("").map((ch) => SUP[ch]).join("") : fmt(t, 2), L - 4, yy); }
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.fillText("0", L, h - B + 4); ctx.fillText(fmtInt(n), w - R - 10, h - B + 4);
    ctx.fillText(o.xlabel || "step k", (L + w) / 2, h - B + 4);
    for (const r of o.refs || []) {
      if (!isFinite(r.y) || (logy && r.y <= 0)) continue;
      ctx.setLineDash([4, 3]); ctx.strokeStyle = r.color || fg;
      ctx.beginPath(); ctx.moveTo(L, Y(r.y)); ctx.lineTo(w - R, Y(r.y)); ctx.stroke(); ctx.setLineDash([]);
    }
    series.forEach((s, i) => {
      ctx.strokeStyle = s.color || color(i); ctx.lineWidth = 1.5; ctx.setLineDash(s.dash || []);
      ctx.beginPath();
      let started = false;
      s.ys.forEach((v, k) => {
        if (!isFinite(v) || (logy && v <= 0)) { started = false; return; }
        const yy = Math.max(T - 2, Math.min(h - B + 2, Y(v)));
        if (started) ctx.lineTo(X(k), yy); else { ctx.moveTo(X(k), yy); started = true; }
      });
      ctx.stroke(); ctx.setLineDash([]);
    });
  };

  // When a loss curve first reaches the tolerance, and from which step it stays there.
  function hitAndStay(fs, fStar, tol) {
    const first = E.stepsToTolerance(fs, fStar, tol);
    if (first === null) return { first: null, stay: null };
    let stay = fs.length;
    for (let k = fs.length - 1; k >= first; k--) { if (fs[k] - fStar > tol) break; stay = k; }
    return { first: first, stay: stay < fs.length ? stay : null };
  }
  function steps(n) { return fmtInt(n) + (n === 1 ? " step" : " steps"); }
  function describeHit(h, fs, fStar, tol, budget) {
    const t = fmt(tol, 1);
    if (h.first === null) return "does not reach f \u2212 f* \u2264 " + t + " within " + steps(budget);
    if (h.stay === h.first) return "reaches f \u2212 f* \u2264 " + t + " after " + steps(h.first) + " and stays there";
    if (h.stay !== null) return "first reaches f \u2212 f* \u2264 " + t + " at step " + fmtInt(h.first) + ", leaves it, and stays from step " + fmtInt(h.stay);
    return "first reaches f \u2212 f* \u2264 " + t + " at step " + fmtInt(h.first) + ", then leaves it again (gap " + fmt(fs[fs.length - 1] - fStar, 3) + " at step " + fmtInt(fs.length - 1) + ")";
  }

  function legend(box, items) {
    box.textContent = "";
    items.forEach((it, i) => {
      const sw = el("span", { class: "x-swatch", "aria-hidden": "true" });
      sw.style.background = it.color || color(i);
      if (it.dash) { sw.style.background = "none"; sw.style.borderTop = "3px dashed " + (it.color || color(i)); }
      box.appendChild(el("span", { class: "x-legend-item" }, [sw, it.label]));
    });
  }

  // ---- the frame every explorable shares ------------------------------------------------
  function frame(fig, title) {
    fig.textContent = "";
    fig.classList.add("x-mounted");
    const controls = el("div", { class: "x-controls", role: "group", "aria-label": title + ": controls" });
    const plots = el("div", { class: "x-plots" });
    const leg = el("div", { class: "x-legend" });
    const readout = el("p", { class: "x-readout", "aria-live": "polite" });
    const share = el("p", { class: "x-share" });
    fig.append(el("figcaption", { class: "x-title" }, [title]), controls, plots, leg, readout, share);
    return { controls: controls, plots: plots, legend: leg, readout: readout };
  }

  function bind(fig, id, ctls, draw, extra) {
    const stored = readHash(id);
    for (const k in ctls) if (stored[k] !== undefined) ctls[k].value = ctls[k].input.type === "range" ? Number(stored[k]) : stored[k];
    const values = () => {
      const v = {};
      for (const k in ctls) v[k] = ctls[k].input.type === "checkbox" ? (ctls[k].value ? 1 : 0) : ctls[k].value;
      return Object.assign(v, extra ? extra.values() : {});
    };
    function update() {
      const t0 = root.performance.now();
      draw();
      fig.dataset.redrawMs = (root.performance.now() - t0).toFixed(2);
      writeHash(id, values());
    }
    // Inputs call onChange -> update; a change of the theme (light/dark) redraws in place.
    REDRAW.push(() => { const t0 = root.performance.now(); draw(); fig.dataset.redrawMs = (root.performance.now() - t0).toFixed(2); });
    return { update: update, stored: stored };
  }

  // bind() for an explorable with a movable start point: the start joins the shared settings,
  // and a link's stored start replaces the default.
  function bindWithStart(fig, id, ctls, draw, plot, win, start, onStart) {
    plot.win = win; plot.start = start; plot.onStart = onStart;
    const app = bind(fig, id, ctls, draw, { values: () => ({ x0: plot.start[0], y0: plot.start[1] }) });
    if (app.stored.x0 !== undefined) plot.start = [Number(app.stored.x0), Number(app.stored.y0)];
    return app;
  }

  // ---------------------------------------------------------------------------------------
  // The chapter explorables
  // ---------------------------------------------------------------------------------------
  const kinds = {};
  const REDRAW = [];
  new root.MutationObserver(() => REDRAW.forEach((f) => f()))
    .observe(doc.documentElement, { attributes: true, attributeFilter: ["data-theme"] });

  // Chapter 2: step size and conditioning on the ill-conditioned quadratic.
  kinds["step-size"] = function (fig, s) {
    const ui = frame(fig, "Gradient descent on an ill-conditioned bowl");
    const ctl = {};
    const upd = () => app.update();
    ctl.kappa = slider(ui.controls, s.id, { key: "kappa", label: "condition number \u03ba", min: 1, max: 100, log: true, value: s.kappa }, upd);
    ctl.alpha = slider(ui.controls, s.id, { key: "alpha", label: "step \u03b1 \u00b7 \u03bbmax", min: 0.05, max: 2.2, step: 0.01, value: s.alpha_lmax, format: (v) => fmt(v, 3) }, upd);
    const plot = new LandscapePlot(ui.plots, "Contours of the bowl with the gradient-descent path");
    const curve = new CurvePlot(ui.plots, "Loss against step, log scale");
    const app = bindWithStart(fig, s.id, ctl, draw, plot, s.window, s.start, upd);
    function draw() {
      const kappa = ctl.kappa.value, L = E.landscape("quadratic", { kappa: kappa, angle: s.angle });
      const lmax = kappa, alpha = ctl.alpha.value / lmax;
      plot.background(L, s.window);
      const r = E.run(E.optimizer("sgd", { lr: alpha }), L, plot.start, s.steps);
      plot.draw([{ xs: r.xs }], [{ kind: "start", at: plot.start }, { kind: "min", at: [0, 0] }]);
      curve.draw([{ ys: r.fs }], { refs: [{ y: s.tol }], ymin: 1e-16 });
      legend(ui.legend, [{ label: "gradient descent" }, { label: "tolerance f \u2264 " + fmt(s.tol, 1), dash: true, color: dark() ? "#e0e0e0" : "#222" }]);
      const steps = E.stepsToTolerance(r.fs, 0, s.tol);
      const rate = E.gdRate(alpha, [1, kappa]), best = (kappa - 1) / (kappa + 1);
      const verdict = alpha >= 2 / lmax ? "diverges (\u03b1 \u2265 2/\u03bbmax)" : (steps === null ? "has not reached the tolerance in " + fmtInt(s.steps) + " steps" : "reaches f \u2264 " + fmt(s.tol, 1) + " after " + fmtInt(steps) + " steps");
      ui.readout.textContent = "\u03b1 = " + fmt(alpha, 3) + " (edge 2/\u03bbmax = " + fmt(2 / lmax, 3) + "): gradient descent " + verdict +
        ". Worst contraction per step max|1 \u2212 \u03b1\u03bb\u1d62| = " + fmt(rate, 3) + "; the best any step achieves is (\u03ba \u2212 1)/(\u03ba + 1) = " + fmt(best, 3) + ".";
      fig.dataset.steps = steps === null ? "" : String(steps);
      fig.dataset.final = String(r.fs[r.fs.length - 1]);
      plot.canvas.setAttribute("aria-label", "Contours of the bowl (kappa " + fmt(kappa, 3) + ") with the gradient-descent path from (" + plot.start.join(", ") + "). " + ui.readout.textContent);
    }
    app.update();
  };

  // Chapter 4: Newton against gradient descent; damping and saddle-free Newton.
  kinds.newton = function (fig, s) {
    const ui = frame(fig, "Newton's method against gradient descent");
    const ctl = {}, upd = () => app.update();
    ctl.land = select(ui.controls, s.id, { key: "land", label: "landscape", value: s.landscape, options: s.landscapes }, () => { plot.start = s.starts[ctl.land.value]; ctl.lr.value = s.lrs[ctl.land.value]; upd(); });
    ctl.lr = slider(ui.controls, s.id, { key: "lr", label: "gradient-descent step \u03b1", min: 1e-4, max: 0.5, log: true, value: s.lrs[s.landscape] }, upd);
    ctl.mu = slider(ui.controls, s.id, { key: "mu", label: "damping \u03bc", min: 0, max: 100, step: 0.5, value: s.damping, format: (v) => fmt(v, 3) }, upd);
    ctl.sf = checkbox(ui.controls, s.id, { key: "sf", label: "saddle-free Newton (|H|)", value: false }, upd);
    const plot = new LandscapePlot(ui.plots, "Contours with the paths of Newton and gradient descent");
    const curve = new CurvePlot(ui.plots, "Gradient norm against step, log scale");
    const app = bindWithStart(fig, s.id, ctl, draw, plot, s.windows[s.landscape], s.starts[s.landscape], upd);
    function where(L, r) {
      const x = r.xs[r.xs.length - 1], fx = r.fs[r.fs.length - 1];
      const unbounded = L.minValue === null;          // the saddle x^2 - y^2 falls without bound
      if (unbounded && (r.diverged || (!r.converged && fx < -1e3))) return "escaped the saddle (f is unbounded below)";
      if (r.diverged) return "diverged";
      if (!r.converged) return "ended at (" + fmt(x[0], 3) + ", " + fmt(x[1], 3) + ") without converging";
      const H = L.hess(x), e = E.symEig2(H[0], H[1], H[2]);
      const tiny = 1e-8 * Math.max(1, Math.abs(e.l1), Math.abs(e.l2));
      const kind = Math.min(Math.abs(e.l1), Math.abs(e.l2)) <= tiny ? "a degenerate stationary point (the second-order test is inconclusive)"
        : e.l1 > 0 ? "a minimum" : (e.l2 < 0 ? "a maximum" : "a saddle point");
      return "converged to " + kind + " at (" + fmt(x[0], 3) + ", " + fmt(x[1], 3) + ") in " + steps(r.steps);
    }
    function draw() {
      const name = ctl.land.value, L = E.landscape(name, {});
      plot.background(L, s.windows[name]); plot.win = s.windows[name];
      const gd = E.run(E.optimizer("sgd", { lr: ctl.lr.value }), L, plot.start, s.gd_steps, { tol: s.tol });
      const nw = E.newton(L, plot.start, s.newton_steps, { tol: s.tol, damping: ctl.mu.value, saddleFree: ctl.sf.value });
      const nname = (ctl.sf.value ? "saddle-free " : "") + (ctl.mu.value > 0 ? "damped " : "") + "Newton";
      plot.draw([{ xs: gd.xs, color: color(0) }, { xs: nw.xs, color: color(4), dash: [5, 3] }],
        [{ kind: "start", at: plot.start }].concat(s.minima[name].map((m) => ({ kind: "min", at: m }))));
      curve.draw([{ ys: gd.gnorms, color: color(0) }, { ys: nw.gnorms, color: color(4), dash: [5, 3] }], { refs: [{ y: s.tol }], ymin: 1e-14, xlabel: "step k (gradient norm)" });
      legend(ui.legend, [{ label: "gradient descent", color: color(0) }, { label: nname, color: color(4), dash: true }]);
      ui.readout.textContent = nname + " " + where(L, nw) + "; gradient descent " + where(L, gd) + ".";
      fig.dataset.newtonSteps = String(nw.steps); fig.dataset.gdSteps = String(gd.steps);
      plot.canvas.setAttribute("aria-label", "Contours of " + L.title + " with both paths from (" + plot.start.join(", ") + "). " + ui.readout.textContent);
    }
    app.update();
  };

  // Chapter 5: momentum — trajectory, measured rate against the theory, and the rate map.
  kinds.momentum = function (fig, s) {
    const ui = frame(fig, "Momentum on an ill-conditioned bowl");
    const ctl = {}, upd = () => app.update();
    ctl.kappa = slider(ui.controls, s.id, { key: "kappa", label: "condition number \u03ba", min: 1, max: 1000, log: true, value: s.kappa }, upd);
    ctl.alpha = slider(ui.controls, s.id, { key: "alpha", label: "step \u03b1 \u00b7 \u03bbmax", min: 0.01, max: 4, step: 0.01, value: s.alpha_lmax, format: (v) => fmt(v, 3) }, upd);
    ctl.beta = slider(ui.controls, s.id, { key: "beta", label: "momentum \u03b2", min: 0, max: 0.99, step: 0.01, value: s.beta, format: (v) => fmt(v, 2) }, upd);
    ctl.nesterov = checkbox(ui.controls, s.id, { key: "nesterov", label: "Nesterov (instead of heavy ball)", value: false }, upd);
    const plot = new LandscapePlot(ui.plots, "Contours with the momentum path");
    const map = el("canvas", { class: "x-canvas x-map", role: "img", "aria-label": "Rate map over step and momentum" });
    const curve = new CurvePlot(ui.plots, "Distance to the minimum against step, log scale");
    ui.plots.appendChild(map);
    const app = bindWithStart(fig, s.id, ctl, draw, plot, s.window, s.start, upd);
    let mapKey = null, mapImg = null;
    function drawMap(kappa, nesterov, a, b, opt) {
      const W = Math.max(200, Math.min(300, ui.plots.clientWidth || 300)), H = W, dpr = root.devicePixelRatio || 1;
      const key = [kappa, nesterov, W, dark()].join();
      if (key !== mapKey) {
        mapKey = key;
        const n = 100, off = doc.createElement("canvas"); off.width = n; off.height = n;
        const cx = off.getContext("2d"), img = cx.createImageData(n, n);
        for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
          const al = (i + 0.5) / n * 4 / kappa, be = 0.99 * (1 - (j + 0.5) / n);
          const r = E.momentumRate(al, be, [1, kappa], nesterov);
          // 1 - r spans 1e-3 (slow, light) .. 1 (instant, dark) on a log scale
          const t = r >= 1 ? 0 : Math.max(0, Math.min(1, 1 - Math.log10(Math.max(1 - r, 1e-3)) / -3));
          const q = 4 * (j * n + i);
          const c = r >= 1 ? (dark() ? [150, 40, 30] : [213, 94, 0]) : (dark() ? [30 + 60 * t, 40 + 120 * t, 60 + 170 * t] : [255 - 230 * t, 255 - 150 * t, 255 - 80 * t]);
          img.data[q] = c[0]; img.data[q + 1] = c[1]; img.data[q + 2] = c[2]; img.data[q + 3] = 255;
        }
        cx.putImageData(img, 0, 0); mapImg = off;
      }
      if (map.width !== W * dpr || map.height !== H * dpr) { map.width = W * dpr; map.height = H * dpr; }
      map.style.width = W + "px"; map.style.height = H + "px";
      const ctx = map.getContext("2d"); ctx.setTransform(dpr, 0, 0, dpr, 0, 0); ctx.imageSmoothingEnabled = false;
      ctx.drawImage(mapImg, 0, 0, W, H);
      const X = (al) => al * kappa / 4 * W, Y = (be) => (1 - be / 0.99) * H;
      ctx.strokeStyle = dark() ? "#fff" : "#000"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(X(a), Y(b), 5, 0, 2 * Math.PI); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(X(opt.alpha) - 5, Y(opt.beta) - 5); ctx.lineTo(X(opt.alpha) + 5, Y(opt.beta) + 5);
      ctx.moveTo(X(opt.alpha) + 5, Y(opt.beta) - 5); ctx.lineTo(X(opt.alpha) - 5, Y(opt.beta) + 5); ctx.stroke();
      ctx.fillStyle = dark() ? "#fff" : "#000"; ctx.font = "11px sans-serif";
      ctx.textAlign = "right"; ctx.fillText("step \u03b1\u03bbmax from 0 to 4 \u2192", W - 4, H - 6);
      ctx.textAlign = "left"; ctx.fillText("\u2191 momentum \u03b2 from 0 to 0.99", 4, 12);
    }
    function draw() {
      const kappa = ctl.kappa.value, L = E.landscape("quadratic", { kappa: kappa, angle: s.angle });
      const alpha = ctl.alpha.value / kappa, beta = ctl.beta.value, nesterov = ctl.nesterov.value;
      plot.background(L, s.window);
      const h = beta > 0 ? { lr: alpha, momentum: beta, nesterov: nesterov } : { lr: alpha };
      const r = E.run(E.optimizer("sgd", h), L, plot.start, s.steps);
      const dist = r.xs.map((x) => Math.hypot(x[0], x[1]));
      plot.draw([{ xs: r.xs, color: color(6) }], [{ kind: "start", at: plot.start }, { kind: "min", at: [0, 0] }]);
      curve.draw([{ ys: dist, color: color(6) }], { ymin: 1e-16, xlabel: "step k (distance to the minimum)" });
      const theory = beta > 0 ? E.momentumRate(alpha, beta, [1, kappa], nesterov) : E.gdRate(alpha, [1, kappa]);
      const measured = E.measuredRate(r.xs, [0, 0]);
      // The best setting of the method shown: Polyak's for heavy ball, Lessard et al.'s for Nesterov.
      const opt = nesterov ? E.nesterovBest(1, kappa) : E.polyak(1, kappa);
      drawMap(kappa, nesterov, alpha, beta, opt);
      legend(ui.legend, [{ label: (nesterov && beta > 0 ? "Nesterov" : "heavy ball") + ", \u03b1 = " + fmt(alpha, 3) + ", \u03b2 = " + fmt(beta, 2), color: color(6) }]);
      ui.readout.textContent = "Rate per step: measured " + fmt(measured, 4) + ", theory " + fmt(theory, 4) +
        (theory >= 1 ? " (diverges)" : "") + (nesterov ? ". Nesterov's best for this \u03ba (Lessard et al.): \u03b1 = 4/(3\u03bbmax + \u03bbmin) = " + fmt(opt.alpha, 3) + ", \u03b2 = " + fmt(opt.beta, 3) +
        ", rate 1 \u2212 2/\u221a(3\u03ba + 1) = " + fmt(opt.rate, 4) : ". Polyak's best for this \u03ba: \u03b1 = " + fmt(opt.alpha, 3) + ", \u03b2 = " + fmt(opt.beta, 3) +
        ", rate (\u221a\u03ba \u2212 1)/(\u221a\u03ba + 1) = " + fmt(opt.rate, 4)) + " (\u00d7 on the map).";
      fig.dataset.measured = String(measured); fig.dataset.theory = String(theory);
      plot.canvas.setAttribute("aria-label", "Contours with the momentum path from (" + plot.start.join(", ") + "). " + ui.readout.textContent);
      map.setAttribute("aria-label", "Rate map of " + (nesterov ? "Nesterov's method" : "heavy ball") + " over step (horizontal) and momentum (vertical); " + (dark() ? "brighter" : "darker") + " converges faster, red diverges; the circle marks the current setting, the cross the method's best setting.");
    }
    app.update();
  };

  // Chapter 6: schedules on noisy SGD — lr(k), a sample path, the exact expectation, the floor.
  kinds.schedules = function (fig, s) {
    const ui = frame(fig, "Learning-rate schedules on a noisy quadratic");
    const ctl = {}, upd = () => app.update();
    ctl.sched = select(ui.controls, s.id, { key: "sched", label: "schedule", value: s.schedule, options: [
      ["constant", "constant"], ["step_decay", "step decay"], ["exponential_decay", "exponential decay"],
      ["inverse_time_decay", "inverse time 1/(1 + rk)"], ["cosine_decay", "cosine"], ["warmup_cosine", "warm-up + cosine"]] }, upd);
    ctl.lr = slider(ui.controls, s.id, { key: "lr", label: "initial step \u03b1\u2080", min: 0.005, max: 0.19, step: 0.005, value: s.lr, format: (v) => fmt(v, 3) }, upd);
    ctl.decay = slider(ui.controls, s.id, { key: "decay", label: "decay strength", min: 0, max: 1, step: 0.01, value: s.decay, format: (v) => fmt(v, 2) }, upd);
    ctl.sigma = slider(ui.controls, s.id, { key: "sigma", label: "gradient noise \u03c3", min: 0, max: 2, step: 0.05, value: s.sigma, format: (v) => fmt(v, 2) }, upd);
    const lrPlot = new CurvePlot(ui.plots, "Learning rate against step");
    const lossPlot = new CurvePlot(ui.plots, "Loss against step: one noisy run and the exact expectation, log scale");
    const app = bind(fig, s.id, ctl, draw);
    function params() {
      const a0 = ctl.lr.value, d = ctl.decay.value, T = s.steps;
      // "decay strength" d in [0, 1] sets each schedule's parameter so the final rate is a0 * (1 - d) roughly
      const end = Math.max(1e-4, 1 - d);
      return {
        constant: { lr: a0 }, step_decay: { lr: a0, step_size: Math.round(T / 3), gamma: Math.sqrt(end) },
        exponential_decay: { lr: a0, gamma: Math.pow(end, 1 / T) }, inverse_time_decay: { lr: a0, decay_rate: (1 / end - 1) / T },
        cosine_decay: { lr: a0, decay_steps: T, alpha: end }, warmup_cosine: { lr: a0, decay_steps: T - Math.round(T / 10), alpha: end, warmup_steps: Math.round(T / 10), init_value: 0 },
      }[ctl.sched.value];
    }
    function draw() {
      const h = params(), sched = E.schedule(ctl.sched.value, h), sigma = ctl.sigma.value;
      const L = E.landscape("quadratic", { kappa: s.kappa, angle: 0 });
      const lrs = []; for (let k = 0; k < s.steps; k++) lrs.push(sched(k));
      const rng = E.rng(s.seed), noise = []; for (let k = 0; k < s.steps; k++) noise.push([sigma * rng.normal(), sigma * rng.normal()]);
      const r = E.run(E.optimizer("sgd", { lr: sched }), L, s.start, s.steps, { noise: noise });
      const exact = Array.from(E.expectedLoss(sched, [1, s.kappa], s.start, s.steps, sigma));
      const floorEnd = sigma > 0 ? E.noiseFloor(lrs[lrs.length - 1], [1, s.kappa], sigma) : 0;
      lrPlot.draw([{ ys: lrs, color: color(6) }], { log: false, xlabel: "step k (learning rate)" });
      lossPlot.draw([{ ys: r.fs, color: color(2) }, { ys: exact, color: color(0) }], { refs: sigma > 0 ? [{ y: floorEnd, color: color(4) }] : [], ymin: 1e-8 });
      legend(ui.legend, [{ label: "one noisy run", color: color(2) }, { label: "exact E f(\u03b8\u2096)", color: color(0) }, { label: "floor at the final rate", color: color(4), dash: true }]);
      const last = exact[exact.length - 1];
      ui.readout.textContent = "After " + fmtInt(s.steps) + " steps the expected loss is " + fmt(last, 3) + "; the stationary floor of a constant step equal to the final rate " + fmt(lrs[lrs.length - 1], 3) + " is " + fmt(floorEnd, 3) + (last > 1.05 * floorEnd ? " (the schedule has not yet settled to it)." : ".");
      fig.dataset.expected = String(last); fig.dataset.floor = String(floorEnd);
    }
    app.update();
  };

  // Chapters 7–8: diagonal adaptive steps against gradient descent, axis-aligned and rotated.
  kinds.adaptive = function (fig, s) {
    const ui = frame(fig, "AdaGrad and RMSProp against gradient descent");
    const ctl = {}, upd = () => app.update();
    ctl.kappa = slider(ui.controls, s.id, { key: "kappa", label: "condition number \u03ba", min: 1, max: 1000, log: true, value: s.kappa }, upd);
    ctl.angle = slider(ui.controls, s.id, { key: "angle", label: "rotation of the bowl (degrees)", min: 0, max: 90, step: 1, value: s.angle_deg, format: (v) => fmt(v, 2) + "\u00b0" }, upd);
    ctl.lr = slider(ui.controls, s.id, { key: "lr", label: "adaptive step \u03b1", min: 0.001, max: 1, log: true, value: s.lr }, upd);
    ctl.rho = slider(ui.controls, s.id, { key: "rho", label: "RMSProp decay \u03c1", min: 0.5, max: 0.999, step: 0.001, value: s.rho, format: (v) => fmt(v, 3) }, upd);
    const plot = new LandscapePlot(ui.plots, "Contours with three paths");
    const curve = new CurvePlot(ui.plots, "Loss against step, log scale");
    const app = bindWithStart(fig, s.id, ctl, draw, plot, s.window, s.start, upd);
    function draw() {
      const kappa = ctl.kappa.value, angle = ctl.angle.value * Math.PI / 180;
      const L = E.landscape("quadratic", { kappa: kappa, angle: angle });
      plot.background(L, s.window);
      const runs = [
        ["gradient descent (\u03b1 = 1/\u03bbmax)", E.optimizer("sgd", { lr: 1 / kappa })],
        ["AdaGrad", E.optimizer("adagrad", { lr: ctl.lr.value })],
        ["RMSProp", E.optimizer("rmsprop", { lr: ctl.lr.value / 20, alpha: ctl.rho.value })],
      ].map(([name, opt]) => [name, E.run(opt, L, plot.start, s.steps)]);
      const cols = [color(0), color(3), color(2)];
      plot.draw(runs.map(([, r], i) => ({ xs: r.xs, color: cols[i] })), [{ kind: "start", at: plot.start }, { kind: "min", at: [0, 0] }]);
      curve.draw(runs.map(([, r], i) => ({ ys: r.fs, color: cols[i] })), { refs: [{ y: s.tol }], ymin: 1e-14 });
      legend(ui.legend, runs.map(([name], i) => ({ label: name + (i === 2 ? " (\u03b1/20)" : ""), color: cols[i] })));
      const hits = runs.map(([, r]) => hitAndStay(r.fs, 0, s.tol));
      const parts = runs.map(([name, r], i) => name + " " + describeHit(hits[i], r.fs, 0, s.tol, s.steps));
      ui.readout.textContent = parts.join("; ") + ".";
      fig.dataset.steps = hits.map((h) => (h.first === null ? "" : h.first)).join(",");
      fig.dataset.stays = hits.map((h) => (h.stay === null ? "" : h.stay)).join(",");
      plot.canvas.setAttribute("aria-label", "Contours of the bowl rotated by " + fmt(ctl.angle.value, 2) + " degrees with three paths. " + ui.readout.textContent);
    }
    app.update();
  };

  // Chapter 9: Adam's knobs, bias correction, and a race that shows converge-then-blow-up.
  kinds.adam = function (fig, s) {
    const ui = frame(fig, "Adam: step size, decay rates and bias correction");
    const ctl = {}, upd = () => app.update();
    ctl.land = select(ui.controls, s.id, { key: "land", label: "landscape", value: s.landscape, options: s.landscapes }, () => { plot.start = s.starts[ctl.land.value]; upd(); });
    ctl.lr = slider(ui.controls, s.id, { key: "lr", label: "step \u03b1", min: 1e-3, max: 1, log: true, value: s.lr }, upd);
    ctl.b1 = slider(ui.controls, s.id, { key: "b1", label: "\u03b2\u2081 (first moment)", min: 0, max: 0.99, step: 0.01, value: s.b1, format: (v) => fmt(v, 2) }, upd);
    ctl.b2 = slider(ui.controls, s.id, { key: "b2", label: "\u03b2\u2082 (second moment)", min: 0.9, max: 0.9999, step: 0.0001, value: s.b2, format: (v) => fmt(v, 4) }, upd);
    ctl.bc = checkbox(ui.controls, s.id, { key: "bc", label: "bias correction", value: true }, upd);
    ctl.race = checkbox(ui.controls, s.id, { key: "race", label: "race GD, momentum and RMSProp at the same \u03b1", value: false }, upd);
    const plot = new LandscapePlot(ui.plots, "Contours with the Adam path");
    const curve = new CurvePlot(ui.plots, "Loss gap against step, log scale");
    const app = bindWithStart(fig, s.id, ctl, draw, plot, s.windows[s.landscape], s.starts[s.landscape], upd);
    function draw() {
      const name = ctl.land.value, L = E.landscape(name, {});
      plot.background(L, s.windows[name]); plot.win = s.windows[name];
      const lr = ctl.lr.value, fstar = L.minValue || 0;
      const runs = [["Adam", E.optimizer("adam", { lr: lr, b1: ctl.b1.value, b2: ctl.b2.value, bias_correction: ctl.bc.value }), color(5)]];
      if (ctl.race.value) runs.push(["gradient descent", E.optimizer("sgd", { lr: lr }), color(0)],
        ["momentum \u03b2 = 0.9", E.optimizer("sgd", { lr: lr, momentum: 0.9 }), color(6)],
        ["RMSProp", E.optimizer("rmsprop", { lr: lr }), color(3)]);
      const res = runs.map(([n, opt, c]) => [n, E.run(opt, L, plot.start, s.steps), c]);
      plot.draw(res.map(([, r, c]) => ({ xs: r.xs, color: c })), [{ kind: "start", at: plot.start }].concat(s.minima[name].map((m) => ({ kind: "min", at: m }))));
      curve.draw(res.map(([, r, c]) => ({ ys: r.fs.map((f) => f - fstar), color: c })), { refs: [{ y: s.tol }], ymin: 1e-14 });
      legend(ui.legend, res.map(([n, , c]) => ({ label: n, color: c })));
      const h = hitAndStay(res[0][1].fs, fstar, s.tol);
      ui.readout.textContent = "Adam " + describeHit(h, res[0][1].fs, fstar, s.tol, s.steps) + ".";
      fig.dataset.first = h.first === null ? "" : String(h.first); fig.dataset.stay = h.stay === null ? "" : String(h.stay);
      plot.canvas.setAttribute("aria-label", "Contours of " + L.title + " with the Adam path. " + ui.readout.textContent);
    }
    app.update();
  };

  // Chapter 10: build an optimizer from the three ideas and see which named one it is.
  kinds.family = function (fig, s) {
    const ui = frame(fig, "Build your own optimizer from its ideas");
    const ctl = {}, upd = () => app.update();
    ctl.noise = checkbox(ui.controls, s.id, { key: "noise", label: "sampling noise (mini-batch gradients)", value: false }, upd);
    ctl.mom = checkbox(ui.controls, s.id, { key: "mom", label: "momentum (history of gradients)", value: false }, upd);
    ctl.scale = select(ui.controls, s.id, { key: "scale", label: "adaptive scale", value: "none", options: [["none", "none"], ["sum", "sum of squares (AdaGrad)"], ["ema", "moving average of squares"]] }, upd);
    ctl.bc = checkbox(ui.controls, s.id, { key: "bc", label: "bias correction", value: false }, upd);
    const plot = new LandscapePlot(ui.plots, "Contours with the path of the optimizer you built");
    const curve = new CurvePlot(ui.plots, "Loss against step, log scale");
    const app = bindWithStart(fig, s.id, ctl, draw, plot, s.window, s.start, upd);
    function build() {
      const mom = ctl.mom.value, sc = ctl.scale.value, bc = ctl.bc.value, pre = ctl.noise.value ? "stochastic " : "";
      // The named optimizers of descent.optimizers that these blocks make (torch names).
      if (sc === "none") return mom ? [pre + "heavy-ball momentum (torch SGD, momentum = 0.9)", E.optimizer("sgd", { lr: s.lr_gd, momentum: 0.9 }), bc ? "bias correction has no effect without a moving average here: torch's momentum buffer starts at b\u2081 = g\u2081" : ""]
        : [pre + "gradient descent (torch SGD)", E.optimizer("sgd", { lr: s.lr_gd }), bc ? "bias correction needs a moving average to correct" : ""];
      if (sc === "sum") return [pre + (mom ? "AdaGrad with momentum (no standard name)" : "AdaGrad (torch Adagrad)"), mom ? null : E.optimizer("adagrad", { lr: s.lr_adaptive }), bc ? "a sum of squares is not a moving average: there is no bias to correct" : ""];
      if (!mom) return [pre + "RMSProp (torch RMSprop)" + (bc ? " with a bias-corrected mean square (Adam with \u03b2\u2081 = 0)" : ""), bc ? E.optimizer("adam", { lr: s.lr_adaptive / 10, b1: 0, b2: 0.99 }) : E.optimizer("rmsprop", { lr: s.lr_adaptive / 10 }), ""];
      return [pre + (bc ? "Adam (torch Adam)" : "Adam without bias correction (the form Kingma & Ba warn against)"), E.optimizer("adam", { lr: s.lr_adaptive / 10, bias_correction: bc }), ""];
    }
    function draw() {
      const L = E.landscape("quadratic", { kappa: s.kappa, angle: s.angle });
      plot.background(L, s.window);
      const [name, opt, note] = build();
      if (opt === null) {
        plot.draw([], [{ kind: "start", at: plot.start }, { kind: "min", at: [0, 0] }]); curve.draw([], {});
        legend(ui.legend, []);
        ui.readout.textContent = "You built: " + name + ". No named optimizer of the package (or of torch.optim) is this combination, though its blocks compose it.";
        fig.dataset.name = name; return;
      }
      let noise;
      if (ctl.noise.value) { const rng = E.rng(s.seed); noise = []; for (let k = 0; k < s.steps; k++) noise.push([s.sigma * rng.normal(), s.sigma * rng.normal()]); }
      const r = E.run(opt, L, plot.start, s.steps, { noise: noise });
      plot.draw([{ xs: r.xs, color: color(5) }], [{ kind: "start", at: plot.start }, { kind: "min", at: [0, 0] }]);
      curve.draw([{ ys: r.fs, color: color(5) }], { refs: [{ y: s.tol }], ymin: 1e-14 });
      legend(ui.legend, [{ label: name + ", \u03b1 = " + fmt(opt.lr, 2), color: color(5) }]);
      const k = E.stepsToTolerance(r.fs, 0, s.tol);
      ui.readout.textContent = "You built: " + name + " (step \u03b1 = " + fmt(opt.lr, 2) + "). " + (k === null ? "It does not reach f \u2264 " + fmt(s.tol, 1) + " within " + steps(s.steps) : "It reaches f \u2264 " + fmt(s.tol, 1) + " after " + steps(k)) +
        "; the loss at step " + fmtInt(r.fs.length - 1) + " is " + fmt(r.fs[r.fs.length - 1], 3) + "." + (note ? " (" + note + ".)" : "");
      fig.dataset.name = name; fig.dataset.steps = k === null ? "" : String(k);
    }
    app.update();
  };

  E.kinds = kinds;
  E.mount = function (fig) {
    if (fig.classList.contains("x-mounted")) return;
    const kind = fig.dataset.kind, settings = JSON.parse(fig.dataset.settings || "{}");
    if (!kinds[kind]) { fig.dataset.error = "unknown kind " + kind; return; }
    try { kinds[kind](fig, settings); } catch (err) { fig.dataset.error = String(err); throw err; }
  };
  function mountAll() { doc.querySelectorAll("figure.descent-explorable").forEach(E.mount); }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", mountAll); else mountAll();
})(window);
