// chainrule compute: a graph's forward and backward pass in the browser, from the ops' JS
// forms (autograd/ops.py, JsForm), with the engine's numbers: the same rules, the same
// order, and sums exactly rounded as math.fsum rounds them. No eval, no new Function: the
// op table is ordinary script text that autograd.views.compute.js_ops() writes.
//
// Interface (a page embeds autograd.views.compute.script(ops), then calls these):
//
//   chainruleCompute.define({name: {forward, local, invalid, domain, nary}, ...})
//       registers ops; the emitted script calls it once. forward(a0, a1, ...) -> number
//       (n-ary: forward(xs)); local(o, a0, ...) -> [d o / d a0, ...] (n-ary: local(o, xs));
//       invalid(a0, ...) -> true where the engine refuses the inputs (message: domain).
//   chainruleCompute.evaluate(rows, options) -> result
//       rows: the graph in topological order (parents before children, root last), each
//         {op: "mul" ("" for a leaf), parents: [row indices], data: number, local: [numbers]}.
//         data is required for leaves: it is what a learner edits. On op rows data and
//         local are the engine's numbers, used only for an op with no JS form. Numbers may
//         be the strings "inf", "-inf", "nan" (JSON has no such numbers).
//       options.root: the row backward starts from (default the last), seeded with 1.
//       result: {data: [...], local: [[...], ...], grad: [...],
//                error: null or {row, op, message} (the first op that refused its inputs;
//                       rows after it are NaN, as the engine would have raised there),
//                missing: [rows whose op has no JS form: shown read-only],
//                stale: [those of them whose inputs changed: their numbers are the engine's
//                        old ones, so everything below them is approximate]}.
//       Gradients are summed as backward() sums them: rows in reverse order, each adding
//       grad * local to its parents in parent order.
//   chainruleCompute.exactSum(numbers) -> the exactly rounded sum (as math.fsum; where
//       fsum refuses, an overflowing partial sum or inf + -inf, the plain left-to-right sum,
//       as autograd.ops.exact_sum).
//   chainruleCompute.powC(a, b): Math.pow with C's pow(1, y) = pow(-1, ±inf) = 1.
//   chainruleCompute.number(x): a row's number, reading "inf", "-inf" and "nan".
"use strict";
var chainruleCompute = (function () {
  var ops = {};

  function number(x) {
    if (typeof x === "number") return x;
    if (x === "inf") return Infinity;
    if (x === "-inf") return -Infinity;
    if (x === "nan") return NaN;
    return Number(x);
  }

  function plainSum(xs) {
    var total = 0;
    for (var i = 0; i < xs.length; i++) total += xs[i];
    return total;
  }

  // CPython's math.fsum (Shewchuk's algorithm, then a correctly rounded result).
  function exactSum(xs) {
    var partials = [], special = 0, infSum = 0, i, j, k, x, y, t, hi, lo, yr;
    for (i = 0; i < xs.length; i++) {
      x = xs[i];
      k = 0;
      for (j = 0; j < partials.length; j++) {
        y = partials[j];
        if (Math.abs(x) < Math.abs(y)) { t = x; x = y; y = t; }
        hi = x + y;
        lo = y - (hi - x);
        if (lo !== 0) partials[k++] = lo;
        x = hi;
      }
      partials.length = k;
      if (x !== 0) {
        if (!isFinite(x)) {
          // A non-finite input is summed apart; a finite one overflowing is fsum's error.
          if (isFinite(xs[i])) return plainSum(xs);
          if (xs[i] === Infinity || xs[i] === -Infinity) infSum += xs[i];
          special += xs[i];
          partials.length = 0;
          continue;
        }
        partials.push(x);
      }
    }
    if (special !== 0) {  // NaN !== 0 too
      if (infSum !== infSum) return plainSum(xs);  // inf + -inf: fsum refuses, + gives NaN
      return special;
    }
    hi = 0;
    var n = partials.length;
    if (n > 0) {
      hi = partials[--n];
      lo = 0;
      while (n > 0) {
        x = hi;
        y = partials[--n];
        hi = x + y;
        yr = hi - x;
        lo = y - yr;
        if (lo !== 0) break;
      }
      // Half-way cases: round as if the rest of the partials were there.
      if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
        y = lo * 2;
        x = hi + y;
        yr = x - hi;
        if (y === yr) hi = x;
      }
    }
    return hi;
  }

  // Math.pow as C99 and Python's math.pow have it: pow(1, y) and pow(-1, ±inf) are 1
  // (JavaScript says NaN).
  function powC(a, b) {
    if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
    return Math.pow(a, b);
  }

  function define(table) {
    Object.keys(table).forEach(function (name) { ops[name] = table[name]; });
  }

  function evaluate(rows, options) {
    options = options || {};
    var n = rows.length, data = new Array(n), local = new Array(n), grad = new Array(n);
    var missing = [], stale = [], changed = new Array(n), error = null, i, k;
    for (i = 0; i < n; i++) {
      var row = rows[i], ps = row.parents || [], op = row.op ? ops[row.op] : null;
      grad[i] = 0;
      changed[i] = false;
      if (!row.op) {  // a leaf: its number, as given (perhaps edited)
        data[i] = number(row.data);
        local[i] = [];
        continue;
      }
      var xs = ps.map(function (p) { return data[p]; });
      if (error !== null) {
        data[i] = NaN;
        local[i] = ps.map(function () { return NaN; });
        continue;
      }
      if (!op) {  // no JS form: the engine's numbers, which hold while the inputs do
        data[i] = number(row.data);
        local[i] = (row.local || []).map(number);
        missing.push(i);
        for (k = 0; k < ps.length; k++) {
          if (changed[ps[k]] || data[ps[k]] !== number(rows[ps[k]].data)) { stale.push(i); break; }
        }
        continue;
      }
      if (op.invalid && (op.nary ? op.invalid(xs) : op.invalid.apply(null, xs))) {
        error = {row: i, op: row.op, message: row.op + ": " + (op.domain || "invalid input") +
                 ", got " + xs.join(", ")};
        data[i] = NaN;
        local[i] = ps.map(function () { return NaN; });
        continue;
      }
      data[i] = op.nary ? op.forward(xs) : op.forward.apply(null, xs);
      local[i] = op.nary ? op.local(data[i], xs) : op.local.apply(null, [data[i]].concat(xs));
      changed[i] = row.data !== undefined && data[i] !== number(row.data);
    }
    // Backward: as graph.backward, the root seeded with 1, rows from the root down.
    var root = options.root === undefined ? n - 1 : options.root;
    if (n > 0) grad[root] = 1;
    for (i = root; i >= 0; i--) {
      var g = grad[i], parents = rows[i].parents || [];
      if (!rows[i].op) continue;
      for (k = 0; k < parents.length; k++) grad[parents[k]] += g * local[i][k];
    }
    return {data: data, local: local, grad: grad, error: error, missing: missing, stale: stale};
  }

  return {define: define, evaluate: evaluate, exactSum: exactSum, powC: powC, number: number, ops: ops};
})();
// The names the ops' JS forms call.
var exactSum = chainruleCompute.exactSum, powC = chainruleCompute.powC;
