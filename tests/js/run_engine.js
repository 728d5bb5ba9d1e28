// Runs the explorables' engine on the cases of a JSON file and prints the results as JSON.
// Usage: node run_engine.js ENGINE.js CASES.json   (used by tests/test_explorables.py)
"use strict";
const fs = require("fs");
const vm = require("vm");
const [engineFile, casesFile] = process.argv.slice(2);
const context = { module: { exports: {} }, console: console, Math: Math, Float64Array: Float64Array };
context.globalThis = context;
vm.createContext(context);
vm.runInContext(fs.readFileSync(engineFile, "utf8"), context, { filename: engineFile });
const E = context.DescentExplorables;
const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const out = cases.map((c) => {
  if (c.what === "landscape") {
    const L = E.landscape(c.landscape, c.params);
    return c.points.map((x) => ({ f: L.f(x), grad: L.grad(x), hess: L.hess(x) }));
  }
  if (c.what === "run") {
    const L = E.landscape(c.landscape, c.params);
    const r = E.run(E.optimizer(c.optimizer, c.hyper), L, c.x0, c.steps, { tol: c.tol === null ? undefined : c.tol, noise: c.noise });
    return { xs: r.xs, fs: r.fs, steps: r.steps, diverged: r.diverged, converged: r.converged };
  }
  if (c.what === "newton") {
    const L = E.landscape(c.landscape, c.params);
    const r = E.newton(L, c.x0, c.steps, { tol: c.tol, damping: c.damping, saddleFree: c.saddle_free });
    return { xs: r.xs, steps: r.steps, converged: r.converged };
  }
  if (c.what === "schedule") {
    const s = E.schedule(c.name, c.hyper);
    return c.ks.map((k) => s(k));
  }
  if (c.what === "rate") {
    return c.alphas.map((a, i) => c.nesterov === null ? E.gdRate(a, c.eigenvalues)
      : E.momentumRate(a, c.betas[i], c.eigenvalues, c.nesterov));
  }
  if (c.what === "polyak") { const p = E.polyak(c.lo, c.hi); return [p.alpha, p.beta, p.rate]; }
  if (c.what === "nesterov_best") { const p = E.nesterovBest(c.lo, c.hi); return [p.alpha, p.beta, p.rate]; }
  if (c.what === "expected") {
    const lr = c.schedule ? E.schedule(c.schedule.name, c.schedule) : c.lr;
    return Array.from(E.expectedLoss(lr, c.eigenvalues, c.e0, c.steps, c.sigma));
  }
  if (c.what === "floor") return E.noiseFloor(c.lr, c.eigenvalues, c.sigma);
  if (c.what === "eig") return c.matrices.map((m) => { const e = E.symEig2(m[0], m[1], m[2]); return [e.l1, e.l2]; });
  throw new Error("unknown case " + c.what);
});
process.stdout.write(JSON.stringify(out));
