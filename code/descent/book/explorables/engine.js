/* Learning from Mistakes — live explorables: the numerical engine.
 *
 * Plain ES2017, no dependencies, float64 throughout.  Every rule here is the JavaScript
 * twin of a function of the Python package `descent` and performs the same floating-point
 * operations in the same order, so that tests/test_explorables.py can require agreement
 * to 1e-9 (relative) with the package on every optimizer and landscape the explorables use:
 *
 *   optimizers   descent.optimizers (torch.optim rules and defaults) and descent.second_order.newton
 *   schedules    descent.schedules
 *   theory       descent.book.momentum_theory (rates on quadratics), descent.book.noisy.expected_loss
 *   landscapes   generated from the SymPy expressions of descent.book.explorable (see LANDSCAPES)
 *
 * The same file runs in the browser (window.DescentExplorables) and in Node for the tests
 * (module.exports).
 */
(function (root) {
  "use strict";

  const E = {};

  // ---------------------------------------------------------------------------------------
  // Landscapes: filled in by the generated block that precedes this file (see explorable.py)
  // ---------------------------------------------------------------------------------------
  E.landscapes = (root && root.DescentLandscapes) || {};

  function landscape(name, params) {
    const L = E.landscapes[name];
    if (!L) throw new Error("unknown landscape " + name);
    const p = Object.assign({}, L.defaults, params || {});
    return {
      name: name, params: p, title: L.title,
      f: (x) => L.f(x[0], x[1], p),
      grad: (x) => L.grad(x[0], x[1], p),
      hess: (x) => L.hess(x[0], x[1], p),
      window: L.window(p), minimum: L.minimum ? L.minimum(p) : null,
      minValue: L.minValue === undefined ? null : L.minValue,
    };
  }
  E.landscape = landscape;

  // ---------------------------------------------------------------------------------------
  // Schedules k -> lr (descent.schedules; k = 0, 1, 2, ...)
  // ---------------------------------------------------------------------------------------
  const schedules = {
    constant: (h) => () => h.lr,
    step_decay: (h) => (k) => h.lr * Math.pow(h.gamma, Math.floor(k / h.step_size)),
    exponential_decay: (h) => (k) => h.lr * Math.pow(h.gamma, k),
    inverse_time_decay: (h) => (k) => h.lr / (1.0 + h.decay_rate * k),
    cosine_decay: (h) => (k) => {
      const kk = Math.min(k, h.decay_steps);
      const cosine = 0.5 * (1.0 + Math.cos(Math.PI * kk / h.decay_steps));
      return h.lr * (h.alpha + (1.0 - h.alpha) * cosine);
    },
    warmup_cosine: (h) => {
      const after = schedules.cosine_decay({ lr: h.lr, decay_steps: h.decay_steps, alpha: h.alpha });
      return (k) => (k < h.warmup_steps ? h.init_value + (h.lr - h.init_value) * k / h.warmup_steps
        : after(k - h.warmup_steps));
    },
  };
  E.schedules = schedules;
  E.schedule = function (name, h) {
    if (!schedules[name]) throw new Error("unknown schedule " + name);
    return schedules[name](h);
  };

  // ---------------------------------------------------------------------------------------
  // First-order optimizers: update(g, state, x) -> u, then x <- x + u (descent.transforms)
  // ---------------------------------------------------------------------------------------
  // Each returns {init(n), update(g, state, x)}; the state is a plain object mutated in place.
  function zeros(n) { return new Float64Array(n); }
  function lrAt(h, k) { return typeof h.lr === "function" ? h.lr(k) : h.lr; }

  const optimizers = {
    // torch.optim.SGD: b_1 = g_1, b_k = beta b_{k-1} + g_k; u = -lr * (b or g + beta b)
    sgd: (h) => {
      const beta = h.momentum || 0, nesterov = !!h.nesterov, wd = h.weight_decay || 0;
      return {
        init: (n) => ({ count: 0, b: zeros(n) }),
        update: (g, s, x) => {
          const n = g.length, u = new Float64Array(n), lr = lrAt(h, s.count);
          for (let i = 0; i < n; i++) {
            let gi = g[i];
            if (wd !== 0) gi = x[i] * wd + gi;
            let d = gi;
            if (beta > 0) {
              if (s.count === 0) s.b[i] = gi;
              else s.b[i] = s.b[i] * beta + gi;
              d = nesterov ? s.b[i] * beta + gi : s.b[i];
            }
            u[i] = d * -lr;
          }
          s.count += 1;
          return u;
        },
      };
    },
    // torch.optim.Adagrad: r += g^2; u = -lr/(1 + (k-1) lr_decay) * g / (sqrt(r) + eps)
    adagrad: (h) => {
      const eps = h.eps === undefined ? 1e-10 : h.eps, decay = h.lr_decay || 0;
      return {
        init: (n) => ({ count: 0, r: new Float64Array(n).fill(h.initial_accumulator_value || 0) }),
        update: (g, s) => {
          const n = g.length, u = new Float64Array(n);
          const factor = -lrAt(h, s.count) / (1.0 + s.count * decay);
          for (let i = 0; i < n; i++) {
            s.r[i] += g[i] * g[i];
            u[i] = (g[i] / (Math.sqrt(s.r[i]) + eps)) * factor;
          }
          s.count += 1;
          return u;
        },
      };
    },
    // torch.optim.RMSprop: s = rho s + (1-rho) g^2; u = -lr g / (sqrt(s) + eps) (+ momentum)
    rmsprop: (h) => {
      const rho = h.alpha === undefined ? 0.99 : h.alpha, eps = h.eps === undefined ? 1e-8 : h.eps;
      const beta = h.momentum || 0;
      return {
        init: (n) => ({ count: 0, s: zeros(n), b: zeros(n) }),
        update: (g, s) => {
          const n = g.length, u = new Float64Array(n), lr = lrAt(h, s.count);
          for (let i = 0; i < n; i++) {
            s.s[i] = s.s[i] * rho + (g[i] * g[i]) * (1.0 - rho);
            let d = g[i] / (Math.sqrt(s.s[i]) + eps);
            if (beta > 0) {
              if (s.count === 0) s.b[i] = d; else s.b[i] = s.b[i] * beta + d;
              d = s.b[i];
            }
            u[i] = d * -lr;
          }
          s.count += 1;
          return u;
        },
      };
    },
    // torch.optim.Adam / AdamW: m, v EMAs; u = -lr (m/(1-b1^k)) / (sqrt(v/(1-b2^k)) + eps)
    // bias_correction: false drops both corrections (Kingma & Ba 2015, Sec. 3 explain why not to).
    adam: (h) => {
      const b1 = h.b1 === undefined ? 0.9 : h.b1, b2 = h.b2 === undefined ? 0.999 : h.b2;
      const eps = h.eps === undefined ? 1e-8 : h.eps, wd = h.weight_decay || 0;
      const decoupled = !!h.decoupled, correct = h.bias_correction !== false;
      return {
        init: (n) => ({ count: 0, m: zeros(n), v: zeros(n) }),
        update: (g, s, x) => {
          const n = g.length, u = new Float64Array(n), k = s.count + 1, lr = lrAt(h, s.count);
          const c1 = 1.0 - Math.pow(b1, k), c2 = 1.0 - Math.pow(b2, k);
          for (let i = 0; i < n; i++) {
            let gi = g[i];
            if (wd !== 0 && !decoupled) gi = x[i] * wd + gi;
            s.m[i] = s.m[i] * b1 + gi * (1.0 - b1);
            s.v[i] = s.v[i] * b2 + (gi * gi) * (1.0 - b2);
            let d = correct ? (s.m[i] / (Math.sqrt(s.v[i] / c2) + eps)) / c1
              : s.m[i] / (Math.sqrt(s.v[i]) + eps);
            if (wd !== 0 && decoupled) d = x[i] * wd + d;
            u[i] = d * -lr;
          }
          s.count = k;
          return u;
        },
      };
    },
  };
  optimizers.adamw = (h) => optimizers.adam(Object.assign(
    { weight_decay: 1e-2 }, h, { decoupled: true }));
  E.optimizers = optimizers;

  E.optimizer = function (name, h) {
    if (!optimizers[name]) throw new Error("unknown optimizer " + name);
    const hh = Object.assign({}, h);
    if (hh.schedule) hh.lr = E.schedule(hh.schedule.name, hh.schedule);
    const opt = optimizers[name](hh);
    opt.name = name;
    opt.lr = hh.lr;                 // a number, or the schedule k -> lr
    return opt;
  };

  // ---------------------------------------------------------------------------------------
  // The runner (descent.runner.minimize): x_{k+1} = x_k + update(grad f(x_k) + noise_k)
  // ---------------------------------------------------------------------------------------
  // Returns {xs: [[x, y], ...], fs, gnorms, steps, converged, diverged, firstHit}.
  // `noise` (optional) is an array of [n1, n2] added to the gradients (already scaled by sigma).
  E.run = function (opt, L, x0, steps, options) {
    const o = options || {};
    const tol = o.tol === undefined ? null : o.tol, radius = o.escapeRadius || 1e150;
    const state = opt.init(2);
    let x = Float64Array.from(x0);
    const xs = [Array.from(x)], fs = [L.f(x)];
    let g = L.grad(x);
    const gnorms = [Math.hypot(g[0], g[1])];
    let converged = tol !== null && gnorms[0] <= tol, diverged = false, k = 0;
    while (!converged && k < steps) {
      let gn = g;
      if (o.noise) gn = [g[0] + o.noise[k][0], g[1] + o.noise[k][1]];
      const u = opt.update(gn, state, x);
      const xn = new Float64Array(2);
      xn[0] = x[0] + u[0]; xn[1] = x[1] + u[1];
      x = xn; k += 1;
      const fx = L.f(x);
      if (!isFinite(fx) || !isFinite(x[0]) || !isFinite(x[1]) ||
          Math.max(Math.abs(x[0]), Math.abs(x[1])) > radius) { diverged = true; xs.push(Array.from(x)); fs.push(fx); break; }
      g = L.grad(x);
      xs.push(Array.from(x)); fs.push(fx); gnorms.push(Math.hypot(g[0], g[1]));
      if (tol !== null && gnorms[gnorms.length - 1] <= tol) converged = true;
    }
    return { xs: xs, fs: fs, gnorms: gnorms, steps: k, converged: converged, diverged: diverged };
  };

  // Newton's method (descent.second_order.newton without line search): step -(H + mu I)^{-1} g,
  // or with saddle_free the modulus |H| = V |Lambda| V^T.  Stops when ||g|| <= tol.
  E.newtonStep = function (H, g, damping, saddleFree) {
    const a = H[0], b = H[1], c = H[2];              // [[a, b], [b, c]]
    if (saddleFree) {
      const eig = symEig2(a, b, c);
      const m1 = Math.abs(eig.l1) + damping, m2 = Math.abs(eig.l2) + damping;
      const thr = 2 * 2.220446049250313e-16 * Math.max(Math.max(m1, m2), 1e-300);
      if (Math.min(m1, m2) <= thr) return null;
      const v1 = eig.v1, v2 = eig.v2;
      const p1 = (v1[0] * g[0] + v1[1] * g[1]) / m1, p2 = (v2[0] * g[0] + v2[1] * g[1]) / m2;
      return [-(v1[0] * p1 + v2[0] * p2), -(v1[1] * p1 + v2[1] * p2)];
    }
    const A = a + damping, C = c + damping, det = A * C - b * b;
    const scaleH = Math.max(Math.abs(A), Math.abs(b), Math.abs(C));
    if (!(Math.abs(det) > 4 * 2.220446049250313e-16 * scaleH * scaleH)) return null;
    const d = [-(C * g[0] - b * g[1]) / det, -(A * g[1] - b * g[0]) / det];
    return isFinite(d[0]) && isFinite(d[1]) ? d : null;
  };

  function symEig2(a, b, c) {
    // eigenvalues l1 <= l2 and unit eigenvectors of [[a, b], [b, c]]
    const mean = 0.5 * (a + c), r = Math.hypot(0.5 * (a - c), b);
    const l1 = mean - r, l2 = mean + r;
    let v2;
    if (r === 0) v2 = [0, 1];
    else if (a >= c) { v2 = [l2 - c, b]; } else { v2 = [b, l2 - a]; }
    const nv = Math.hypot(v2[0], v2[1]);
    v2 = nv === 0 ? [0, 1] : [v2[0] / nv, v2[1] / nv];
    return { l1: l1, l2: l2, v1: [-v2[1], v2[0]], v2: v2 };
  }
  E.symEig2 = symEig2;

  E.newton = function (L, x0, steps, options) {
    const o = options || {};
    const tol = o.tol === undefined ? 1e-8 : o.tol, damping = o.damping || 0, sf = !!o.saddleFree;
    let x = Float64Array.from(x0);
    const xs = [Array.from(x)], fs = [L.f(x)];
    let g = L.grad(x);
    const gnorms = [Math.hypot(g[0], g[1])];
    let k = 0, converged = gnorms[0] <= tol, diverged = false, message = "";
    while (!converged && k < steps) {
      const H = L.hess(x);
      const d = E.newtonStep(H, g, damping, sf);
      if (d === null) { message = "singular"; break; }
      const xn = Float64Array.from([x[0] + d[0], x[1] + d[1]]);
      const fx = L.f(xn), gx = L.grad(xn);
      if (!isFinite(fx) || !isFinite(gx[0]) || !isFinite(gx[1])) { diverged = true; break; }
      x = xn; g = gx; k += 1;
      xs.push(Array.from(x)); fs.push(fx); gnorms.push(Math.hypot(g[0], g[1]));
      converged = gnorms[gnorms.length - 1] <= tol;
    }
    return { xs: xs, fs: fs, gnorms: gnorms, steps: k, converged: converged, diverged: diverged, message: message };
  };

  // ---------------------------------------------------------------------------------------
  // Theory on quadratics (descent.book.momentum_theory, descent.book.noisy)
  // ---------------------------------------------------------------------------------------
  // Spectral radius of the 2x2 iteration e_{k+1} = T e_k - D e_{k-1} (roots of z^2 - T z + D).
  function recurrenceRadius(T, D) {
    const disc = T * T - 4 * D;
    if (disc >= 0) {
      const s = Math.sqrt(disc);
      return Math.max(Math.abs((T + s) / 2), Math.abs((T - s) / 2));
    }
    return Math.sqrt(D);           // complex pair: |z|^2 = D
  }
  // Worst rate over the eigenvalues of a quadratic: heavy ball T = 1 + beta - alpha lambda, D = beta;
  // Nesterov T = (1 + beta)(1 - alpha lambda), D = beta (1 - alpha lambda).
  E.momentumRate = function (alpha, beta, eigenvalues, nesterov) {
    let worst = 0;
    for (const lam of eigenvalues) {
      const T = nesterov ? (1 + beta) * (1 - alpha * lam) : 1 + beta - alpha * lam;
      const D = nesterov ? beta * (1 - alpha * lam) : beta;
      worst = Math.max(worst, recurrenceRadius(T, D));
    }
    return worst;
  };
  E.gdRate = function (alpha, eigenvalues) {
    let worst = 0;
    for (const lam of eigenvalues) worst = Math.max(worst, Math.abs(1 - alpha * lam));
    return worst;
  };
  // Polyak's optimal heavy-ball parameters for eigenvalues in [mu, L].
  E.polyak = function (mu, L) {
    const sk = Math.sqrt(L / mu);
    return { alpha: 4 / Math.pow(Math.sqrt(L) + Math.sqrt(mu), 2), beta: Math.pow((sk - 1) / (sk + 1), 2),
      rate: (sk - 1) / (sk + 1) };
  };

  // The best Nesterov parameters for eigenvalues in [mu, L] (Lessard, Recht & Packard 2016;
  // descent.book.momentum_theory.nesterov_parameters).
  E.nesterovBest = function (mu, L) {
    const s = Math.sqrt(3.0 * L / mu + 1.0);
    return { alpha: 4.0 / (3.0 * L + mu), beta: (s - 2.0) / (s + 2.0), rate: 1.0 - 2.0 / s };
  };

  // Exact E f(theta_k) of SGD with additive Gaussian noise sigma on 1/2 sum_i lambda_i e_i^2
  // (descent.book.noisy.expected_loss): s_{i,k+1} = (1 - a_k lambda_i)^2 s_{i,k} + a_k^2 sigma^2.
  E.expectedLoss = function (lr, eigenvalues, e0, steps, sigma) {
    const s = e0.map((e) => e * e), out = new Float64Array(steps + 1);
    const sched = typeof lr === "function" ? lr : () => lr;
    let f = 0;
    for (let i = 0; i < s.length; i++) f += eigenvalues[i] * s[i];
    out[0] = 0.5 * f;
    for (let k = 0; k < steps; k++) {
      const a = sched(k);
      f = 0;
      for (let i = 0; i < s.length; i++) {
        const q = 1.0 - a * eigenvalues[i];
        s[i] = q * q * s[i] + a * a * sigma * sigma;
        f += eigenvalues[i] * s[i];
      }
      out[k + 1] = 0.5 * f;
    }
    return out;
  };
  // Stationary noise floor of constant-step SGD (descent.book.noisy.noise_floor):
  // sum_i a sigma^2 / (2 (2 - a lambda_i)).
  E.noiseFloor = function (a, eigenvalues, sigma) {
    let f = 0;
    for (const lam of eigenvalues) f += a * (sigma * sigma) / (2.0 * (2.0 - a * lam));
    return f;
  };

  // A small, fast, seeded PRNG (mulberry32) and Box–Muller normals, for the noisy runs drawn in
  // the page.  (The page's noise is its own: agreement with Python is tested with given noise.)
  E.rng = function (seed) {
    let a = seed >>> 0;
    const uniform = () => {
      a = (a + 0x6D2B79F5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return {
      uniform: uniform,
      normal: () => {
        let u = 0;
        while (u === 0) u = uniform();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
      },
    };
  };

  // Steps until the loss gap f - f* first falls below tol (or null), and the measured
  // per-step contraction of the distance to the minimum over the run's last stretch.
  E.stepsToTolerance = function (fs, fStar, tol) {
    for (let k = 0; k < fs.length; k++) if (fs[k] - fStar <= tol) return k;
    return null;
  };
  E.measuredRate = function (xs, xStar) {
    // geometric mean of |e_{k+1}|/|e_k| over the last half of the run (before round-off)
    const d = xs.map((x) => Math.hypot(x[0] - xStar[0], x[1] - xStar[1]));
    let end = d.length - 1;
    while (end > 1 && d[end] < 1e-12) end -= 1;
    const start = Math.floor(end / 2);
    if (end - start < 2 || d[start] === 0) return null;
    return Math.pow(d[end] / d[start], 1 / (end - start));
  };

  if (typeof module !== "undefined" && module.exports) module.exports = E;
  if (root) root.DescentExplorables = Object.assign(root.DescentExplorables || {}, E);
})(typeof window !== "undefined" ? window : (typeof globalThis !== "undefined" ? globalThis : null));
