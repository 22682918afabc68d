// The backprop page: plays chainrule.data's steps over the SVG drawn by graphviz. Nodes and
// edges are found by their <title> (DOT ids: n3, n3_op, s0; edges n0->n3_op). Each step
// lists its changes as [record id, new text, old text] (a fourth item "d" for data), so a
// step forward applies the new texts and a step back restores the old ones.
//
// The picture sits in a viewport: it fits the window at first; the wheel or a pinch zooms,
// a drag pans, the buttons (and the keys + - f) zoom and fit again, and each step brings
// the node in focus into view (centred when it was off-screen). A collapsed box opens in
// place (a click, or chainrule.expand): the page swaps in that box's layout, made by
// graphviz when the page was built, and carries on at the same point of the pass.
// window.chainrule gains the scripting contract of docs/seeing.md: steps, step(n),
// focus(), names(), value(name), grad(name), set(name, x), expand(name), collapse(name).
(function () {
  "use strict";
  var data = chainrule.data, el = chainrule.el;
  var host = el("graph");
  var SVG_NS = "http://www.w3.org/2000/svg";
  var READABLE = 0.7;   // px per point: records' 11-point text is ~8 px tall, small but readable
  var TOO_SMALL = 0.56; // a picture fitted smaller than this is zoomed to READABLE when a step needs it
  var MAX_FIT = 1.6;    // a small picture is not blown up beyond this when fitted
  var MARGIN = 14;      // px kept free around the picture (fit) and around the focus (follow)
  // A fitted picture lies at the top of its area, under the picture's toolbar (this much free
  // above it), not in the middle: right under the caption, and on fewer of the browser's
  // raster tiles (rows 256 px tall from the page's top: a short picture in the middle of its
  // area straddles one more row), so its first frame is rastered sooner.
  var TOP = 44;

  // -- one view: the picture of the graph with some boxes open, and its steps ------------
  var views = data.views, view = null, viewIndex = 0;
  var svg = null, nodes = {}, edges = {}, gradText = {}, dataText = {}, edgeLabels = [];
  var current = {}, currentData = {};  // record id -> the gradient (data) text shown now
  var player = null, shownStep = 0;

  function index(root) {
    // A first frame written in the page shows step 0's texts: the lengths graphviz laid the
    // fields out for are the panel entries' (the final numbers the picture was drawn with).
    var drawn = root === baseSvg && firstFrame ? view.nodes : null;
    svg = root;
    nodes = {}; edges = {}; gradText = {}; dataText = {}; edgeLabels = [];
    svg.querySelectorAll("g.node").forEach(function (g) {
      var t = g.querySelector("title");
      if (!t) return;
      nodes[t.textContent] = g;
      if (!g.id) g.id = "cr-" + t.textContent;
      var texts = g.querySelectorAll("text");
      for (var i = 0; i < texts.length; i++) {
        if (texts[i].textContent.indexOf("grad ") === 0) gradText[t.textContent] = texts[i];
        else if (texts[i].textContent.indexOf("data ") === 0) dataText[t.textContent] = texts[i];
        else continue;
        // How long a text graphviz laid its field out for; the field's width is read when
        // a longer one comes (fieldWidth), not as the page opens.
        if (texts[i].crChars !== undefined) continue;
        var entry = drawn && drawn[t.textContent], kind = texts[i].textContent.slice(0, 5);
        texts[i].crChars = entry && !entry.box && !entry.ref ? (kind + (kind === "grad " ? entry.grad : entry.data)).length
          : texts[i].textContent.length;
      }
    });
    svg.querySelectorAll("g.edge").forEach(function (g) {
      var t = g.querySelector("title");
      if (!t) return;
      (edges[t.textContent] = edges[t.textContent] || []).push(g);
      var label = g.querySelector("text");
      if (label) edgeLabels.push([t.textContent, label]);
    });
    svg.removeAttribute("width"); svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    if (!svg.getAttribute("data-box")) svg.setAttribute("data-box", svg.getAttribute("viewBox") || "0 0 100 100");
    var vb = svg.getAttribute("data-box").split(/[\s,]+/).map(Number);
    vp.box = { x: vb[0], y: vb[1], w: vb[2], h: vb[3] };
  }
  // One listener for every view's nodes (not one a node, set up before the first paint).
  host.addEventListener("click", function (event) {
    var g = event.target.closest("g.node"), t = g && svg.contains(g) && g.querySelector("title");
    if (!t || nodes[t.textContent] !== g || dragged) return;
    var id = t.textContent;
    var entry = view.nodes[id] && (view.nodes[id].ref ? view.nodes[view.nodes[id].ref] : view.nodes[id]);
    // A box opens (shift: down to its scalars); one that cannot shows its panel, which says why.
    var open = entry && entry.box ? (event.shiftKey && entry.expandAll !== undefined ? entry.expandAll : entry.expand) : undefined;
    if (open !== undefined) openView(open);
    else showPanel(id);
  });

  function setGrad(id, text) {
    current[id] = text;
    if (gradText[id]) put(gradText[id], "grad " + text);
  }

  function setData(id, text) {
    currentData[id] = text;
    if (dataText[id]) put(dataText[id], "data " + text);
  }

  // A number longer than the one graphviz sized its field for (after an edit, or a
  // gradient longer than the final one) is squeezed into the field rather than spill out.
  function put(textEl, text) {
    // The same text again (step 0's texts are mostly the drawn ones) leaves the DOM alone.
    if (textEl.textContent === text && !textEl.hasAttribute("textLength")) return;
    textEl.textContent = text;
    var room = text.length > fieldWidth(textEl, true).chars ? fieldWidth(textEl) : null;
    if (room && textEl.getComputedTextLength() > room.width) {
      textEl.setAttribute("textLength", room.width);
      textEl.setAttribute("lengthAdjust", "spacingAndGlyphs");
    } else if (textEl.hasAttribute("textLength")) {
      textEl.removeAttribute("textLength");
    }
  }
  // The room of a record's field: its width is read from the record's lines the first time
  // a longer text comes; `charsOnly` asks only how long a text it was laid out for.
  function fieldWidth(textEl, charsOnly) {
    if (textEl.crRoom) return textEl.crRoom;
    if (charsOnly && textEl.crChars !== undefined) return { chars: textEl.crChars };
    // The field's edges: the record's outline and the lines between its fields.
    var g = textEl.parentNode, x = +textEl.getAttribute("x"), left = -Infinity, right = Infinity;
    g.querySelectorAll("polygon, polyline").forEach(function (shape) {
      (shape.getAttribute("points") || "").trim().split(/\s+/).forEach(function (pt) {
        var px = +pt.split(",")[0];
        if (px < x - 1 && px > left) left = px;
        if (px > x + 1 && px < right) right = px;
      });
    });
    var width = isFinite(left) && isFinite(right) ? right - left - 6 : Infinity;
    textEl.crRoom = { width: width, chars: textEl.crChars !== undefined ? textEl.crChars : textEl.textContent.length };
    return textEl.crRoom;
  }

  // u = [id, new, old] changes a gradient, [id, new, old, "d"] the data.
  function apply(u, text) { if (u[3] === "d") setData(u[0], text); else setGrad(u[0], text); }

  function reset() {
    current = {}; currentData = {};
    Object.keys(view.start).forEach(function (id) { setGrad(id, view.start[id]); });
    Object.keys(view.startData).forEach(function (id) { setData(id, view.startData[id]); });
  }

  var marked = [], heads = [];
  function mark(g, cls) { g.classList.add(cls); marked.push([g, cls]); }
  function unmarkAll() {
    marked.forEach(function (m) { m[0].classList.remove(m[1]); });
    heads.forEach(function (h) { if (h.parentNode) h.parentNode.removeChild(h); });
    marked = []; heads = [];
  }

  // An arrowhead at the tail end of an edge, pointing back along it: where the gradient goes.
  function backHead(g) {
    var path = g.querySelector("path");
    if (!path || !path.getTotalLength) return;
    var total = path.getTotalLength();
    if (!(total > 12)) return;
    var a = path.getPointAtLength(0), b = path.getPointAtLength(9);
    var dx = a.x - b.x, dy = a.y - b.y, n = Math.sqrt(dx * dx + dy * dy) || 1;
    dx /= n; dy /= n;
    var px = -dy * 3.6, py = dx * 3.6, tip = { x: a.x + dx * 1, y: a.y + dy * 1 };
    var base = { x: tip.x - dx * 9, y: tip.y - dy * 9 };
    var poly = document.createElementNS(SVG_NS, "polygon");
    poly.setAttribute("class", "back-head");
    poly.setAttribute("points", [tip.x, tip.y, base.x + px, base.y + py, base.x - px, base.y - py].join(" "));
    g.appendChild(poly);
    heads.push(poly);
  }

  function render(k, from) {
    var steps = view.steps, i;
    if (from < 0 || k < from - k) {  // from scratch (first time, or far back)
      reset();
      for (i = 1; i <= k; i++) steps[i].updates.forEach(function (u) { apply(u, u[1]); });
    } else if (k > from) {
      for (i = from + 1; i <= k; i++) steps[i].updates.forEach(function (u) { apply(u, u[1]); });
    } else {
      for (i = from; i > k; i--) steps[i].updates.forEach(function (u) { apply(u, u[2]); });
    }
    shownStep = k;
    unmarkAll();
    var step = steps[k], back = step.back;
    step.focus.forEach(function (id) { if (nodes[id]) mark(nodes[id], "focus"); });
    step.edges.forEach(function (title) {
      (edges[title] || []).forEach(function (g) {
        mark(g, "lit");
        if (back) { mark(g, "back"); backHead(g); }
      });
    });
    step.updates.forEach(function (u) {
      if (nodes[u[0]]) mark(nodes[u[0]], "changed");
      var text = u[3] === "d" ? dataText[u[0]] : gradText[u[0]];
      if (text) mark(text, "grad-changed");
    });
    // Forward mode: an edge's number (d out / d in) is known once its op has run.
    if (view.known) {
      edgeLabels.forEach(function (pair) {
        var at = view.known[pair[0]];
        pair[1].style.visibility = at !== undefined && k < at ? "hidden" : "";
      });
    }
    if (step.caption === undefined && graph) fresh();
    el("caption").textContent = step.caption + liveNote();
    if (shown) showPanel(shown, false);
    if (followBox.checked) follow(step);
  }

  // -- the viewport: fit, zoom, pan, follow ------------------------------------------------
  var vp = { s: 1, ox: 0, oy: 0, box: null };
  var followBox = el("follow"), userZoomed = false;

  // Fractional, as the style lays the first frame's picture out (clientWidth is rounded).
  function size() { var r = host.getBoundingClientRect(); return { w: Math.max(1, r.width), h: Math.max(1, r.height) }; }
  function draw() {
    var z = size();
    svg.setAttribute("viewBox", [vp.ox, vp.oy, z.w / vp.s, z.h / vp.s].join(" "));
  }
  function fitScale() {
    var z = size(), b = vp.box;
    return Math.min((z.w - 2 * MARGIN) / b.w, (z.h - MARGIN - TOP) / b.h, MAX_FIT);
  }
  function centre(x, y) {
    var z = size();
    vp.ox = x - z.w / (2 * vp.s); vp.oy = y - z.h / (2 * vp.s);
  }
  function fit() {
    vp.s = Math.max(fitScale(), 0.01);
    centre(vp.box.x + vp.box.w / 2, 0);
    vp.oy = vp.box.y - TOP / vp.s;
    draw();
  }
  function zoomAt(factor, cx, cy) {
    var s = Math.max(Math.min(vp.s * factor, 8), Math.min(fitScale(), 0.5) / 2);
    var ux = vp.ox + cx / vp.s, uy = vp.oy + cy / vp.s;
    vp.s = s; vp.ox = ux - cx / s; vp.oy = uy - cy / s;
    draw();
  }
  function zoomCentre(factor) { var z = size(); userZoomed = true; zoomAt(factor, z.w / 2, z.h / 2); }

  // The rectangle (in the picture's units) that a list of elements covers.
  function unitRect(elements) {
    var h = host.getBoundingClientRect(), out = null;
    elements.forEach(function (e) {
      var r = e.getBoundingClientRect();
      if (!r.width && !r.height) return;
      var x0 = vp.ox + (r.left - h.left) / vp.s, y0 = vp.oy + (r.top - h.top) / vp.s;
      var x1 = vp.ox + (r.right - h.left) / vp.s, y1 = vp.oy + (r.bottom - h.top) / vp.s;
      out = out ? { x0: Math.min(out.x0, x0), y0: Math.min(out.y0, y0), x1: Math.max(out.x1, x1), y1: Math.max(out.y1, y1) }
                : { x0: x0, y0: y0, x1: x1, y1: y1 };
    });
    return out;
  }
  function inside(r) {
    var z = size(), m = MARGIN / vp.s;
    return r.x0 >= vp.ox + m && r.y0 >= vp.oy + m && r.x1 <= vp.ox + z.w / vp.s - m && r.y1 <= vp.oy + z.h / vp.s - m;
  }
  function fits(r) {
    var z = size();
    return (r.x1 - r.x0) * vp.s <= z.w - 2 * MARGIN && (r.y1 - r.y0) * vp.s <= z.h - 2 * MARGIN;
  }

  // Bring the step's focus into view: centred if any of it is out of view. The inputs
  // whose gradients change come along when they fit too.
  function follow(step) {
    var focus = step.focus.map(function (id) { return nodes[id]; }).filter(Boolean);
    if (!focus.length) return;
    if (!userZoomed && vp.s < TOO_SMALL && fitScale() < TOO_SMALL) {
      var f = unitRect(focus);
      vp.s = READABLE; centre((f.x0 + f.x1) / 2, (f.y0 + f.y1) / 2); draw();
    }
    var near = focus.concat(step.updates.map(function (u) { return nodes[u[0]]; }).filter(Boolean));
    var r = unitRect(near);
    if (!r || !fits(r)) r = unitRect(focus);
    if (!r) return;
    if (!fits(r)) {  // larger than the window at this zoom: zoom out until it fits
      var z = size();
      vp.s = Math.min((z.w - 2 * MARGIN) / (r.x1 - r.x0), (z.h - 2 * MARGIN) / (r.y1 - r.y0)) * 0.95;
    } else if (inside(r)) return;
    centre((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2);
    draw();
  }

  host.addEventListener("wheel", function (event) {
    event.preventDefault();
    var h = host.getBoundingClientRect();
    var rate = event.ctrlKey ? 0.01 : 0.0015;  // a trackpad pinch arrives as a wheel with ctrlKey
    var dy = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
    userZoomed = true;
    zoomAt(Math.exp(-dy * rate), event.clientX - h.left, event.clientY - h.top);
  }, { passive: false });

  // Drag pans; two fingers pinch. A press that moved is a drag, not a click.
  var pointers = {}, dragged = false, pinch = null;
  host.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    pointers[event.pointerId] = { x: event.clientX, y: event.clientY, x0: event.clientX, y0: event.clientY };
    dragged = false;
    var ids = Object.keys(pointers);
    if (ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      pinch = { d: Math.hypot(a.x - b.x, a.y - b.y) || 1 };
    }
  });
  host.addEventListener("pointermove", function (event) {
    var p = pointers[event.pointerId];
    if (!p) return;
    var dx = event.clientX - p.x, dy = event.clientY - p.y;
    p.x = event.clientX; p.y = event.clientY;
    if (!dragged && Math.hypot(p.x - p.x0, p.y - p.y0) > 4) {
      dragged = true;
      try { host.setPointerCapture(event.pointerId); } catch (e) { /* the pointer is gone already */ }
      host.classList.add("dragging");
    }
    if (!dragged) return;
    var ids = Object.keys(pointers);
    if (ids.length === 2 && pinch) {
      var a = pointers[ids[0]], b = pointers[ids[1]], h = host.getBoundingClientRect();
      var d = Math.hypot(a.x - b.x, a.y - b.y) || 1;
      userZoomed = true;
      zoomAt(d / pinch.d, (a.x + b.x) / 2 - h.left, (a.y + b.y) / 2 - h.top);
      pinch.d = d;
      return;
    }
    vp.ox -= dx / vp.s; vp.oy -= dy / vp.s;
    draw();
  });
  function release(event) {
    delete pointers[event.pointerId];
    if (Object.keys(pointers).length < 2) pinch = null;
    host.classList.remove("dragging");
    // The click that ends a drag comes after pointerup: let it see `dragged`, then forget.
    setTimeout(function () { dragged = false; }, 0);
  }
  host.addEventListener("pointerup", release);
  host.addEventListener("pointercancel", release);

  el("zoom-in").addEventListener("click", function () { zoomCentre(1.25); });
  el("zoom-out").addEventListener("click", function () { zoomCentre(0.8); });
  el("fit").addEventListener("click", function () { userZoomed = true; fit(); });
  followBox.addEventListener("change", function () { if (followBox.checked) { userZoomed = false; follow(view.steps[shownStep]); } });
  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "f") { userZoomed = true; fit(); }
    else if (event.key === "+" || event.key === "=") zoomCentre(1.25);
    else if (event.key === "-") zoomCentre(0.8);
    else if (event.key === "Escape" && shown) hidePanel();
    else return;
    event.preventDefault();
  });
  // The caption is as tall as the view's tallest caption at the window's width (at most
  // 40% of the window; past that it scrolls), measured in a hidden twin when a view opens,
  // the width changes or an edit changes the numbers, never per step: a step must not
  // move the picture. Laying text out is the cost (it runs before the first paint), so
  // only the likely tallest are measured.
  var captionEl = el("caption"), twin = null, captionKey = "";
  var MEASURED = 10;
  function fitCaption() {
    var width = captionEl.offsetWidth;
    if (!width || !view) return;
    var key = [viewIndex, width, window.innerHeight, version].join(":");
    if (key === captionKey) return;
    captionKey = key;
    if (captionEl.classList.contains("twins")) {
      // The first frame's caption, sized by the style over its hidden twins: kept as tall.
      captionEl.style.height = captionEl.getBoundingClientRect().height + "px";
      captionEl.classList.remove("twins");
      captionEl.textContent = captionEl.firstChild ? captionEl.firstChild.textContent : "";
      return;
    }
    if (!twin) {
      twin = document.createElement("div");
      twin.setAttribute("aria-hidden", "true");
      document.body.appendChild(twin);
    }
    var cs = getComputedStyle(captionEl);
    // Longhands: the computed `font` shorthand is empty where a longhand (tabular numbers) has
    // no place in it. All read before any is written: a write between reads restyles.
    var copied = ["fontFamily", "fontSize", "fontWeight", "fontStyle", "lineHeight", "whiteSpace", "wordBreak", "overflowWrap", "letterSpacing",
                  "fontVariantNumeric"].map(function (p) { return [p, cs[p]]; });
    twin.style.cssText = "position:absolute;visibility:hidden;left:-99999px;top:0;height:auto;box-sizing:border-box";
    copied.forEach(function (pv) { twin.style[pv[0]] = pv[1]; });
    twin.style.width = width + "px";
    var steps = view.steps, note = liveNote(), picked = {};
    // A caption still a template (written when its step first shows) is measured with each
    // number as wide as a number can be written, so the first paint need not write them.
    var widest = "\u2212" + "8".repeat((data.digits || 4) + 1) + "e\u221288";
    var texts = steps.map(function (s) {
      return (s.caption !== undefined ? s.caption : s.template.replace(/\ue000[^\ue001]*\ue001/g, widest)) + note;
    });
    // Characters a line holds at a generous average glyph width (half the font size): the
    // captions with the most lines wrapped at that are the ones measured.
    var perLine = Math.max(8, width / (parseFloat(cs.fontSize) || 16) * 2), rows = texts.map(function (t) {
      return t.split("\n").reduce(function (n, line) { return n + Math.ceil((line.length + 1) / perLine); }, 0) + t.length / 1e6;
    });
    texts.map(function (t, i) { return i; }).sort(function (a, b) { return rows[b] - rows[a]; })
      .slice(0, MEASURED).forEach(function (i) { picked[i] = 1; });
    // One block per caption measured, all laid out at once: one forced layout, not one each.
    var frame = "box-sizing:border-box;padding:" + cs.padding + ";border-top:" + cs.borderTop + ";border-bottom:" + cs.borderBottom;
    var blocks = Object.keys(picked).map(function (i) {
      var b = document.createElement("div");
      b.style.cssText = frame;
      b.textContent = texts[i];
      return b;
    });
    twin.textContent = "";
    blocks.forEach(function (b) { twin.appendChild(b); });
    var tallest = 0;
    blocks.forEach(function (b) { tallest = Math.max(tallest, b.offsetHeight); });
    twin.textContent = "";
    var wanted = Math.min(Math.ceil(tallest) + 2, Math.round(window.innerHeight * 0.4));
    if (Math.abs(captionEl.offsetHeight - wanted) > 1) captionEl.style.height = wanted + "px";
  }
  window.addEventListener("resize", fitCaption);

  var lastSize = null;
  function resized() {
    var z = size(), key = z.w + "x" + z.h;
    if (key === lastSize || !svg) return;
    var was = lastSize ? lastSize.split("x").map(Number) : null;
    lastSize = key;
    if (!was || !userZoomed) { fit(); if (player) follow(view.steps[shownStep]); return; }
    // Keep the middle of what was shown in the middle.
    var mx = vp.ox + was[0] / (2 * vp.s), my = vp.oy + was[1] / (2 * vp.s);
    centre(mx, my); draw();
  }
  if (window.ResizeObserver) new ResizeObserver(resized).observe(host);
  else window.addEventListener("resize", resized);

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
    var entry = view.nodes[id];
    if (entry && entry.ref) { id = entry.ref; entry = view.nodes[id]; }
    return entry ? id : null;
  }

  function showPanel(id, select) {
    id = resolve(id);
    if (!id) return;
    var n = view.nodes[id];
    if (shown && nodes[shown]) nodes[shown].classList.remove("selected");
    shown = id;
    if (nodes[id]) nodes[id].classList.add("selected");
    panel.hidden = false;
    panel.textContent = "";
    var close = add(panel, "button", "×", "close");
    close.type = "button"; close.title = "close"; close.setAttribute("aria-label", "close the panel");
    close.addEventListener("click", function () { hidePanel(); });
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
      if (n.expand !== undefined) {
        var open = add(panel, "button", "open this box", "open");
        open.type = "button";
        open.addEventListener("click", function () { openView(n.expand); });
        if (n.expandAll !== undefined && n.expandAll !== n.expand) {
          var all = add(panel, "button", "open it down to its scalars", "open");
          all.type = "button";
          all.addEventListener("click", function () { openView(n.expandAll); });
        }
      } else {
        add(panel, "p", n.why || "This box's inside was not laid out when the page was made.");
      }
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
    editor(id, n);
    if (n.readonly) add(panel, "p", n.readonly, "note");
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
      if (n.explain && n.explain.stale) {
        add(panel, "p", "(The paths written out are for the numbers the page was made with; explain(root, " +
            JSON.stringify(n.label || n.id) + ") in Python writes them for new ones.)", "note");
      } else if (n.explain) {
        add(panel, "pre", explainText(n));
        if (n.explain.lit && n.explain.lit.length)
          add(panel, "p", "The picture lights the top " + n.explain.lit.length + " of these paths (the widest is the largest |product|).", "note");
      }
      else add(panel, "p", "(explain(root, " + JSON.stringify(n.label || n.id) + ") in Python writes the paths out; " +
               "the page writes them for up to " + data.explained + " nodes, labelled ones first, within its size and time budget.)");
    }
    lightPaths(n);
    if (select !== false) chainrule.setParam("node", n.label && view.labels[n.label] === id ? n.label : id);
  }

  // The paths written out: page.py's pack_json of {record id: text} in the element
  // data.explainTexts names, inflated when a panel first shows one.
  var explainTexts = null;
  function explainText(n) {
    if (n.explain.text === undefined) {
      if (!explainTexts) explainTexts = data.explainTexts ? JSON.parse(chainrule_unpack(el(data.explainTexts).textContent)) : {};
      n.explain.text = explainTexts[n.id] || "";
    }
    return n.explain.text;
  }

  // The click panel's paths, lit on the picture: the largest |product| widest.
  var pathMarks = [];
  function lightPaths(n) {
    pathMarks.forEach(function (m) { m[0].classList.remove(m[1]); });
    pathMarks = [];
    if (!n || !n.explain || !n.explain.lit) return;
    n.explain.lit.forEach(function (rows, rank) {
      // The path's drawn edges: into each op from the input it leaves by, op to result.
      var titles = [];
      for (var i = 0; i + 1 < rows.length; i++) {
        titles.push("n" + rows[i] + "_op->n" + rows[i], "n" + rows[i + 1] + "->n" + rows[i] + "_op");
      }
      titles.forEach(function (title) {
        (edges[title] || []).forEach(function (g) {
          var cls = "path" + Math.min(rank, 2);
          if (!g.classList.contains("path0") && !g.classList.contains("path1")) { g.classList.add(cls); pathMarks.push([g, cls]); }
        });
      });
    });
  }

  function hidePanel() {
    lightPaths(null);
    if (shown && nodes[shown]) nodes[shown].classList.remove("selected");
    shown = null; panel.hidden = true; chainrule.setParam("node", "");
  }

  // -- views: open a box, fold it back ------------------------------------------------------
  var back = el("fold-back");

  function mount(k) {
    unmarkAll();
    viewIndex = k; view = views[k];
    var fresh = k === 0 ? baseSvg : parseSvg(view.svg);
    var old = host.querySelector("svg");
    if (old !== fresh) {
      if (old) host.removeChild(old);
      host.appendChild(fresh);
    }
    if (shown) hidePanel();
    index(fresh);
    if (live) { refresh(view); relabel(); }
    back.hidden = k === 0;
    back.textContent = k === 0 ? "" : "fold " + view.opened + " back";
    // The other boxes open in this layout, each with its own button to fold it back.
    var folds = el("folds");
    while (folds.firstChild) folds.removeChild(folds.firstChild);
    Object.keys(view.folds || {}).forEach(function (name) {
      if (name === view.opened) return;  // the button above
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = "fold " + name;
      b.addEventListener("click", function () { openView(view.folds[name]); });
      folds.appendChild(b);
    });
    fitCaption();
    host.classList.remove("prefit");  // the first frame's fit by the style: fit() takes over
    userZoomed = false; fit();
    lastSize = size().w + "x" + size().h;
  }
  var baseSvg = host.querySelector("svg"), parsed = {}, firstFrame = host.classList.contains("prefit");
  function parseSvg(text) {
    if (!parsed[text.length + ":" + text.slice(0, 64)]) {
      // The views' pictures are graphviz's SVG, made when the page was built; parsed, never run.
      var doc = new DOMParser().parseFromString(text, "image/svg+xml");
      parsed[text.length + ":" + text.slice(0, 64)] = document.importNode(doc.documentElement, true);
    }
    return parsed[text.length + ":" + text.slice(0, 64)];
  }

  // A packed view (page.py's pack_json, in the element its `packed` names) is inflated the
  // first time its box opens. It is written against the view it opens from: a step that is
  // a number is that view's step, a panel entry that is 0 that view's entry (copied: each
  // view's numbers are its own after an edit).
  function unpack(k) {
    var v = views[k];
    if (!v.packed) return Promise.resolve(v);
    var from = views[v.parent || 0];
    if (from.packed) unpack(v.parent || 0);
    var parsed = JSON.parse(chainrule_unpack(el(v.packed).textContent));
    if (typeof parsed.svg !== "string") parsed.svg = unpackSvg(parsed.svg);
    var copy = function (x) { return JSON.parse(JSON.stringify(x)); };
    parsed.steps = parsed.steps.map(function (s) { return typeof s === "number" ? copy(from.steps[s]) : s; });
    Object.keys(parsed.nodes).forEach(function (id) { if (parsed.nodes[id] === 0) parsed.nodes[id] = copy(from.nodes[id]); });
    Object.keys(parsed).forEach(function (key) { v[key] = parsed[key]; });
    delete v.packed;
    return Promise.resolve(v);
  }

  // A layout's SVG as svgpack.py's pack_svg packed it: each mark in the text is a coordinate,
  // in tenths of a point, the change from the coordinate two before.
  function unpackSvg(packed) {
    var last = [0, 0], k = 0, numbers = packed.numbers;
    return packed.skeleton.replace(/\ue002/g, function () {
      var t = last[k % 2] += numbers[k];
      k += 1;
      return t % 10 === 0 ? String(t / 10) : (t / 10).toFixed(1);
    });
  }

  // Where the pass is (how many ops it has done, forward or back) is the same point in
  // every view: the new view opens at its last step at or before that point.
  function openView(k) {
    if (k === viewIndex || !views[k]) return Promise.resolve(k);
    return unpack(k).then(function () {
      var at = view.steps[shownStep].at;
      mount(k);
      var steps = view.steps, best = 0;
      for (var i = 0; i < steps.length; i++) if (steps[i].at <= at) best = i;
      player.reconfigure({ count: steps.length, render: render, names: steps.map(function (s) { return s.name; }) });
      player.go(best);
      return k;
    });
  }
  back.addEventListener("click", function () { openView(views[viewIndex].parent || 0); });

  // -- edit and recompute ------------------------------------------------------------------
  // data.graph holds the whole graph as compute.js's rows ({op, parents, data, local}, in
  // topological order: row k is record n<k>); chainruleCompute runs its ops' JS forms. An edit
  // recomputes every row forward and backward, then replays each step's chain-rule
  // additions in the page's order, so the captions, the gradients a step changes, the
  // edge numbers and the panels show the new numbers.
  var graph = data.graph || null, edits = {}, live = null, version = 0;
  var DIGITS = data.digits || 4;

  // Python's number(): `digits` significant digits, as short as possible ("1.5e-7").
  function fmt(x) {
    if (x !== x) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === 0) return "0";
    var parts = x.toExponential(DIGITS - 1).split("e"), exp = parseInt(parts[1], 10);
    if (exp < -4 || exp >= DIGITS) {
      var m = parts[0].indexOf(".") >= 0 ? parts[0].replace(/0+$/, "").replace(/\.$/, "") : parts[0];
      return m + "e" + (exp < 0 ? "-" : "") + Math.abs(exp);
    }
    var text = x.toFixed(Math.max(0, DIGITS - 1 - exp));
    if (text.indexOf(".") >= 0) text = text.replace(/0+$/, "").replace(/\.$/, "");
    return text === "-0" ? "0" : text;
  }
  function wrapNeg(text) { return text.charAt(0) === "-" ? "(" + text + ")" : text; }
  var TOKEN = /\ue000([A-Z])(w?)(\d+)\.(\d+)\ue001/g;

  // The numbers from the rows and the edits (compute.js), forward and backward.
  function evaluate() {
    var rows = graph.rows.map(function (r, k) {
      return { op: r.op, parents: r.parents, data: edits[k] !== undefined ? edits[k] : r.data, local: r.local };
    });
    var result = chainruleCompute.evaluate(rows, { root: graph.root });
    version += 1;
    live = { data: result.data, local: result.local, grad: result.grad, error: result.error,
             missing: result.missing, stale: result.stale, version: version,
             edited: Object.keys(edits).length > 0 };
  }

  // The captions that are templates are written when a step first shows one, not as the
  // page opens (its first steps carry their own): the first paint waits on none of it.
  function fresh() {
    if (!live) evaluate();
    refresh(view);
  }

  function recompute() {
    evaluate();
    Object.keys(data.values).forEach(function (rid) {
      var k = +rid.slice(1);
      data.values[rid] = [live.data[k], live.grad[k]];
    });
    refresh(view);
    relabel();
    fitCaption();
    player.reconfigure({ count: view.steps.length, render: render, names: view.steps.map(function (s) { return s.name; }) });
    player.go(shownStep);
    render(shownStep, -1);
  }

  // A view's steps, start texts and panels, rewritten with the live numbers.
  function refresh(v) {
    if (!live || v.version === live.version) return;
    v.version = live.version;
    var rows = graph.rows, acc = rows.map(function () { return 0; }), D = live.data, L = live.local;
    var handed = {}, params = {};
    graph.params.forEach(function (k) { params[k] = true; });
    v.steps.forEach(function (step) {
      var values = {}, before = {}, k, b, p;
      function put(kind, row, slot, x) { values[kind + ":" + row + ":" + slot] = x; }
      (step.rows || []).forEach(function (r) {
        put("D", r, 0, D[r]);
        rows[r].parents.forEach(function (q, slot) { put("D", q, 0, D[q]); put("L", r, slot, L[r][slot]); });
      });
      if (step.back) {
        if (!step.rows || !step.rows.length) {  // the seed
          acc[graph.root] = 1;
        } else if (step.focus[0] && step.focus[0].charAt(0) === "n") {  // one op's step
          k = step.rows[0];
          put("G", k, 0, acc[k]);
          rows[k].parents.forEach(function (q, slot) {
            if (!(q in before)) before[q] = acc[q];
            put("O", k, slot, acc[q]);
            put("T", k, slot, acc[k] * L[k][slot]);
            acc[q] += acc[k] * L[k][slot];
            put("N", k, slot, acc[q]);
          });
        } else {
          step.rows.forEach(function (r) {  // a box's run: its ops in the page's order
            if (!(r in before)) before[r] = acc[r];
            rows[r].parents.forEach(function (q) { if (!(q in before)) before[q] = acc[q]; });
          });
          var hb = handed[step.focus[0]] = handed[step.focus[0]] || {};  // what this call handed its parameters
          step.rows.forEach(function (r) {
            var g = acc[r];
            rows[r].parents.forEach(function (q, slot) {
              var x = g * L[r][slot];
              acc[q] += x;
              if (params[q]) hb[q] = (hb[q] || 0) + x;
            });
          });
          var squares = Object.keys(hb).map(function (q) { put("H", +q, 0, hb[q]); return hb[q] * hb[q]; });
          put("Z", 0, 0, Math.sqrt(chainruleCompute.exactSum(squares)));
        }
        Object.keys(before).forEach(function (q) { put("S", +q, 0, before[q]); put("E", +q, 0, acc[q]); });
      }
      step.updates.forEach(function (u) {
        var r = +u[0].slice(1);
        if (u[3] === "d") u[1] = fmt(D[r]);
        else if (r in before) { u[1] = fmt(acc[r]); u[2] = fmt(before[r]); }
        else if (!step.rows || !step.rows.length) u[1] = fmt(acc[r]);
      });
      if (step.template) {
        step.caption = step.template.replace(TOKEN, function (all, kind, w, row, slot) {
          var x = values[kind + ":" + row + ":" + slot];
          if (x === undefined && kind === "D") x = D[+row];
          var text = x === undefined ? "?" : fmt(x);
          return w ? wrapNeg(text) : text;
        });
      }
    });
    Object.keys(v.startData).forEach(function (rid) {
      if (v.startData[rid] !== "\u00b7") v.startData[rid] = fmt(D[+rid.slice(1)]);
    });
    Object.keys(v.nodes).forEach(function (rid) {
      var n = v.nodes[rid];
      if (n.ref || n.box || rid.charAt(0) !== "n") return;
      var k = +rid.slice(1);
      n.data = fmt(D[k]);
      if (!n.constant) n.grad = fmt(live.grad[k]);
      (n.locals || []).forEach(function (d, slot) { d.value = fmt(L[k][slot]); });
      if (n.explain && live.edited) { n.explain.sum = n.grad; n.explain.stale = true; }
    });
  }

  // The edge numbers (d out / d in) of the picture shown, from the live locals.
  function relabel() {
    if (!live || !live.edited) return;
    var seen = {};
    graph.rows.forEach(function (r, k) {
      r.parents.forEach(function (q, slot) {
        var title = "n" + q + "->n" + k + "_op", j = seen[title] || 0;
        seen[title] = j + 1;
        var g = (edges[title] || [])[j], text = g && g.querySelector("text");
        if (!text) return;
        var letter = /^[ab]: /.exec(text.textContent);  // a − b's inputs keep their letters
        text.textContent = (letter ? letter[0] : "") + fmt(live.local[k][slot]);
      });
    });
  }

  function editableRow(id) {
    if (!graph || !id || id.charAt(0) !== "n" || id.indexOf("_") >= 0) return -1;
    var k = +id.slice(1);
    return graph.leaves.indexOf(k) >= 0 ? k : -1;
  }

  function setLeaf(k, x) {
    if (!graph) throw new Error("chainrule.set: " + (data.readonly || "this page cannot recompute"));
    if (typeof x !== "number" || x !== x) throw new Error("chainrule.set: the value must be a number, got " + JSON.stringify(x));
    if (graph.leaves.indexOf(k) < 0) throw new Error("chainrule.set: only a leaf (an input or parameter) can be set");
    edits[k] = x;
    recompute();
  }

  function editor(id, n) {
    var k = editableRow(id);
    if (k < 0) return;
    var box = add(panel, "div", null, "editor");
    add(box, "label", "set " + n.name + " to ");
    var input = add(box, "input");
    input.type = "number"; input.step = "any"; input.value = String(data.values[id] ? data.values[id][0] : "");
    input.setAttribute("aria-label", "new value of " + n.name);
    var slider = add(box, "input");
    var x0 = live ? live.data[k] : chainruleCompute.number(graph.rows[k].data), span = Math.max(1, Math.abs(+x0) * 2);
    slider.type = "range"; slider.min = String(+x0 - span); slider.max = String(+x0 + span); slider.step = "any";
    slider.value = input.value;
    slider.setAttribute("aria-label", "slide " + n.name);
    var note = add(box, "p", "The page recomputes forward and backward from the ops' rules.", "note");
    function go(x) {
      if (!isFinite(x)) { note.textContent = "Not a number: type one such as 3 or -0.5."; return; }
      setLeaf(k, x);
    }
    input.addEventListener("change", function () { go(parseFloat(input.value)); });
    slider.addEventListener("input", function () { input.value = slider.value; go(parseFloat(slider.value)); });
  }

  function liveNote() {
    if (!live || !live.edited) return "";
    if (live.error) return "\n(After your edit " + live.error.message + ": the rows below it are NaN.)";
    if (live.stale.length) return "\n(Some ops have no JavaScript form; their numbers are Python's from before your edit, so what depends on them is approximate.)";
    return "";
  }

  // -- the scripting contract ------------------------------------------------------------
  function byName(name) {
    var ids = Object.keys(view.nodes);
    for (var i = 0; i < ids.length; i++) {
      var n = view.nodes[ids[i]];
      if (!n.ref && n.name === name) return ids[i];
    }
    return null;
  }
  function number(name, which) {
    var id = byName(name);
    if (id === null) throw new Error("chainrule: no node is named " + JSON.stringify(name) + "; names() lists them");
    var v = data.values[id];
    if (!v) throw new Error("chainrule: " + JSON.stringify(name) + " is a collapsed box, which has no single " + (which ? "gradient" : "value"));
    return v[which];
  }
  chainrule.focus = function () {
    var step = view.steps[shownStep];
    if (!step || !step.focus.length) return null;
    var g = nodes[step.focus[0]];
    return g ? g.id : null;
  };
  chainrule.names = function () {
    return Object.keys(view.nodes).filter(function (id) { return !view.nodes[id].ref && !view.nodes[id].constant; })
      .map(function (id) { return view.nodes[id].name; });
  };
  chainrule.set = function (name, x) {
    var id = byName(name);
    if (id === null) throw new Error("chainrule.set: no node is named " + JSON.stringify(name) + "; names() lists them");
    setLeaf(editableRow(id) >= 0 ? +id.slice(1) : -1, x);
    return chainrule.value(name);
  };
  chainrule.value = function (name) { return number(name, 0); };
  chainrule.grad = function (name) { return number(name, 1); };
  chainrule.expand = function (name, all) {
    var id = byName(name), n = id && view.nodes[id];
    if (!n || !n.box) throw new Error("chainrule.expand: no collapsed box is named " + JSON.stringify(name));
    var k = all ? n.expandAll : n.expand;
    if (k === undefined) throw new Error("chainrule.expand: " + (n.why || "the box " + name + " was not laid out open"));
    return openView(k).then(chainrule.names);
  };
  chainrule.collapse = function (name) {
    var folds = views[viewIndex].folds || {};
    if (name !== undefined && folds[name] !== undefined) return openView(folds[name]).then(chainrule.names);
    var k = viewIndex;
    while (k !== 0 && views[k].opened !== name && name !== undefined) k = views[k].parent || 0;
    return openView(k === 0 ? 0 : (views[k].parent || 0)).then(chainrule.names);
  };

  // -- start -------------------------------------------------------------------------------
  // Room for the legend: show it. (A media query reads the window's width without laying
  // the page out, as window.innerWidth would, before the picture is even shown.)
  // The page's HTML has it open, hidden by the style below that width (class "auto"), so a
  // first frame painted before this runs shows it as it will stay.
  var key = el("key");
  if (key) { key.open = window.matchMedia("(min-width: 1400px)").matches; key.classList.remove("auto"); }
  // The picture stays out of the layout (CSS: #graph:not(.ready) > svg) until it is fitted
  // and step 0's texts are in: the page is laid out with it once, for its first paint.
  mount(0);
  host.classList.add("ready");
  player = chainrule.player({
    count: view.steps.length, render: render,
    names: view.steps.map(function (s) { return s.name; })
  });
  chainrule.onHash(function (params) {
    if (!params.node) return;
    var id = view.labels[params.node] || params.node;
    if (resolve(id)) showPanel(id, false);
  });
  window.chainruleBackprop = { player: player, current: current, show: showPanel };
})();
