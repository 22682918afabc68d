// The backprop page: plays chainrule.data.steps over the SVG drawn by graphviz. Nodes and
// edges are found by their <title> (DOT ids: n3, n3_op, s0; edges n0->n3_op). Each step
// lists its changes as [record id, new grad text, old grad text], so a step forward
// applies the new texts and a step back restores the old ones.
(function () {
  "use strict";
  var data = chainrule.data, steps = data.steps, el = chainrule.el;
  var svg = el("graph").querySelector("svg");
  var nodes = {}, edges = {}, gradText = {}, dataText = {};
  svg.querySelectorAll("g.node").forEach(function (g) {
    var t = g.querySelector("title");
    if (t) nodes[t.textContent] = g;
  });
  svg.querySelectorAll("g.edge").forEach(function (g) {
    var t = g.querySelector("title");
    if (!t) return;
    (edges[t.textContent] = edges[t.textContent] || []).push(g);
  });
  // The gradient field of each record: the <text> that reads "grad ...".
  Object.keys(data.start).forEach(function (id) {
    var g = nodes[id];
    if (!g) return;
    var texts = g.querySelectorAll("text");
    for (var i = 0; i < texts.length; i++) {
      if (texts[i].textContent.indexOf("grad ") === 0) gradText[id] = texts[i];
      else if (texts[i].textContent.indexOf("data ") === 0) dataText[id] = texts[i];
    }
  });
  var current = {}, currentData = {};  // record id -> the gradient (data) text shown now

  function setGrad(id, text) {
    current[id] = text;
    if (gradText[id]) gradText[id].textContent = "grad " + text;
  }

  function setData(id, text) {
    currentData[id] = text;
    if (dataText[id]) dataText[id].textContent = "data " + text;
  }

  // u = [id, new, old] changes a gradient, [id, new, old, "d"] the data.
  function apply(u, text) { if (u[3] === "d") setData(u[0], text); else setGrad(u[0], text); }

  function reset() {
    Object.keys(data.start).forEach(function (id) { setGrad(id, data.start[id]); });
    Object.keys(data.startData).forEach(function (id) { setData(id, data.startData[id]); });
  }

  var marked = [];
  function mark(g, cls) { g.classList.add(cls); marked.push([g, cls]); }
  function unmarkAll() {
    marked.forEach(function (m) { m[0].classList.remove(m[1]); });
    marked = [];
  }

  function render(k, from) {
    var i;
    if (from < 0 || k < from - k) {  // from scratch (first time, or far back)
      reset();
      for (i = 1; i <= k; i++) steps[i].updates.forEach(function (u) { apply(u, u[1]); });
    } else if (k > from) {
      for (i = from + 1; i <= k; i++) steps[i].updates.forEach(function (u) { apply(u, u[1]); });
    } else {
      for (i = from; i > k; i--) steps[i].updates.forEach(function (u) { apply(u, u[2]); });
    }
    unmarkAll();
    var step = steps[k];
    step.focus.forEach(function (id) { if (nodes[id]) mark(nodes[id], "focus"); });
    step.edges.forEach(function (title) { (edges[title] || []).forEach(function (g) { mark(g, "lit"); }); });
    step.updates.forEach(function (u) {
      if (nodes[u[0]]) mark(nodes[u[0]], "changed");
      var text = u[3] === "d" ? dataText[u[0]] : gradText[u[0]];
      if (text) mark(text, "grad-changed");
    });
    el("caption").textContent = step.caption;
    if (shown) showPanel(shown, false);
  }

  // -- the side panel -------------------------------------------------------------------
  var panel = el("panel"), shown = null;

  function add(parent, tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    parent.appendChild(e);
    return e;
  }

  function resolve(id) {
    var entry = data.nodes[id];
    if (entry && entry.ref) { id = entry.ref; entry = data.nodes[id]; }
    return entry ? id : null;
  }

  function showPanel(id, select) {
    id = resolve(id);
    if (!id) return;
    var n = data.nodes[id];
    if (shown && nodes[shown]) nodes[shown].classList.remove("selected");
    shown = id;
    if (nodes[id]) nodes[id].classList.add("selected");
    panel.hidden = false;
    panel.textContent = "";
    var close = add(panel, "button", "×", "close");
    close.type = "button"; close.title = "close"; close.setAttribute("aria-label", "close the panel");
    close.onclick = function () { hidePanel(); };
    add(panel, "h2", n.name);
    var table = add(panel, "table");
    function row(key, value) {
      if (value === "" || value === undefined || value === null) return;
      var tr = add(table, "tr"); add(tr, "th", key); add(tr, "td", value, "num");
    }
    if (n.box) {
      row("collapsed scope", n.name);
      row("Values inside", String(n.members));
      row("parameters", String(n.params));
      add(panel, "p", "Drawn as one box (collapse=): its nodes step together; the Values it reads and hands on are drawn outside it.");
      return;
    }
    row("label", n.label || "(none)");
    row("node id", n.id);
    row("op", n.op ? n.op + (n.symbol && n.symbol !== n.op ? "  (" + n.symbol + ")" : "") : "leaf");
    if (n.scope) row("scope", n.scope);
    row("data", currentData[id] !== undefined && currentData[id] !== n.data ? currentData[id] + "  (at the end " + n.data + ")" : n.data);
    if (n.constant) {
      add(panel, "p", "A constant: a number written into the expression. Its gradient is not shown.");
    } else {
      row("grad now", current[id] !== undefined ? current[id] : n.grad);
      row("grad at the end", n.grad);
    }
    if (n.locals.length) {
      add(panel, "h3", "local derivatives");
      var lt = add(panel, "table");
      n.locals.forEach(function (d) {
        var tr = add(lt, "tr");
        add(tr, "th", d.head);
        add(tr, "td", (d.formula && d.formula.replace(/−/g, "-") !== d.value ? "= " + d.formula + " " : "") + "= " + d.value, "formula");
      });
    }
    if (!n.constant) {
      add(panel, "h3", "the chain rule from the output");
      var paths = n.explain ? n.explain.paths : n.paths;
      add(panel, "p", paths + " path" + (paths === "1" ? "" : "s") + " from the output; their sum = " +
          (n.explain ? n.explain.sum : n.grad), "sum");
      if (n.explain) add(panel, "pre", n.explain.text);
      else add(panel, "p", "(explain(root, " + JSON.stringify(n.label || n.id) + ") in Python writes the paths out; " +
               "the page writes them for the first " + data.explained + " nodes, labelled ones first.)");
    }
    if (select !== false) chainrule.setParam("node", n.label && data.labels[n.label] === id ? n.label : id);
  }

  function hidePanel() {
    if (shown && nodes[shown]) nodes[shown].classList.remove("selected");
    shown = null; panel.hidden = true; chainrule.setParam("node", "");
  }

  Object.keys(nodes).forEach(function (id) {
    if (!resolve(id)) return;
    nodes[id].addEventListener("click", function () { showPanel(id); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && shown) hidePanel();
  });

  var player = chainrule.player({
    count: steps.length, render: render,
    names: steps.map(function (s) { return s.name; })
  });
  chainrule.onHash(function (params) {
    if (!params.node) return;
    var id = data.labels[params.node] || params.node;
    if (resolve(id)) showPanel(id, false);
  });
  window.chainruleBackprop = { player: player, current: current, show: showPanel };
})();
