// chainrule page shell: a step player (slider, buttons, play/pause with a speed, keys,
// #step=N / #step=end links) shared by every chainrule page. A page's own script calls
// chainrule.player({count, render}) once; render(k, from) draws step k (from: the step
// shown before, or -1 the first time); then chainrule.steps is the count and
// chainrule.step(n) (n a number or "end") shows step n, for scripts and tests.
// Everything is inline: no request leaves the page.
"use strict";
var chainrule = (function () {
  var el = function (id) { return document.getElementById(id); };
  var dataNode = el("chainrule-data");
  var data = dataNode ? JSON.parse(dataNode.textContent) : null;

  // #step=12&node=x1 -> {step: "12", node: "x1"}. Values are URI-decoded.
  function readHash() {
    var out = {};
    var text = (location.hash || "").replace(/^#/, "");
    if (!text) return out;
    text.split("&").forEach(function (part) {
      if (!part) return;
      var i = part.indexOf("=");
      var key = i < 0 ? part : part.slice(0, i);
      var value = i < 0 ? "" : part.slice(i + 1);
      try { out[decodeURIComponent(key)] = decodeURIComponent(value.replace(/\+/g, " ")); }
      catch (e) { out[key] = value; }
    });
    return out;
  }

  function writeHash(params) {
    var parts = [];
    Object.keys(params).forEach(function (key) {
      if (params[key] !== undefined && params[key] !== null && params[key] !== "")
        parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(params[key]));
    });
    var text = parts.length ? "#" + parts.join("&") : " ";
    // replaceState: stepping does not fill the back button's history. It can throw in
    // a sandboxed frame (a Jupyter cell's srcdoc); the page works the same without it.
    try { history.replaceState(null, "", text === " " ? location.pathname + location.search : text); }
    catch (e) { /* no address bar to update */ }
  }

  var state = { params: readHash(), hashListeners: [] };

  function onHash(fn) { state.hashListeners.push(fn); fn(state.params); }

  function setParam(key, value) {
    state.params[key] = value;
    writeHash(state.params);
  }

  function player(options) {
    var count = options.count;  // steps 0 .. count-1
    var render = options.render;
    var names = options.names || null;  // optional short name per step for the label
    var slider = el("step-slider"), label = el("step-label"), playButton = el("play");
    var speed = el("speed");
    slider.min = 0; slider.max = Math.max(0, count - 1); slider.value = 0;
    var current = -1, timer = null;

    function go(k, fromHash) {
      k = Math.max(0, Math.min(count - 1, k | 0));
      if (k === current) return;
      var from = current;
      current = k;
      slider.value = k;
      label.textContent = "step " + k + " of " + (count - 1) + (names && names[k] ? " · " + names[k] : "");
      render(k, from);
      if (!fromHash) setParam("step", k === count - 1 && k > 0 ? "end" : String(k));
    }

    function stop() {
      if (timer !== null) { clearInterval(timer); timer = null; }
      playButton.textContent = "play"; playButton.setAttribute("aria-label", "play"); playButton.title = "play (space)";
    }

    function play() {
      if (timer !== null) return;
      if (current >= count - 1) go(0);
      playButton.textContent = "pause"; playButton.setAttribute("aria-label", "pause"); playButton.title = "pause (space)";
      timer = setInterval(function () {
        if (current >= count - 1) { stop(); return; }
        go(current + 1);
      }, 1000 / parseFloat(speed.value || "2"));
    }

    function toggle() { if (timer === null) play(); else stop(); }

    el("first").onclick = function () { stop(); go(0); };
    el("prev").onclick = function () { stop(); go(current - 1); };
    el("next").onclick = function () { stop(); go(current + 1); };
    el("last").onclick = function () { stop(); go(count - 1); };
    playButton.onclick = toggle;
    slider.addEventListener("input", function () { stop(); go(parseInt(slider.value, 10)); });
    speed.addEventListener("change", function () { if (timer !== null) { stop(); play(); } });

    document.addEventListener("keydown", function (event) {
      var tag = (event.target && event.target.tagName) || "";
      if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || event.altKey || event.ctrlKey || event.metaKey) return;
      var handled = true;
      if (event.key === "ArrowRight") { stop(); go(current + 1); }
      else if (event.key === "ArrowLeft") { stop(); go(current - 1); }
      else if (event.key === " " || event.key === "Spacebar") toggle();
      else if (event.key === "Home") { stop(); go(0); }
      else if (event.key === "End") { stop(); go(count - 1); }
      else handled = false;
      if (handled) event.preventDefault();
    });

    function fromHash(params) {
      var s = params.step;
      if (s === undefined) return false;
      if (s === "end" || s === "last") { go(count - 1, true); return true; }
      var k = parseInt(s, 10);
      if (!isNaN(k)) { go(k, true); return true; }
      return false;
    }
    window.addEventListener("hashchange", function () {
      state.params = readHash();
      stop();
      fromHash(state.params);
      state.hashListeners.forEach(function (fn) { fn(state.params); });
    });
    if (!fromHash(state.params)) go(options.start || 0, true);

    // The scripting contract's stepping half (docs/seeing.md): chainrule.steps, .step(n).
    self.steps = count;
    self.step = function (n) {
      stop();
      go(n === "end" || n === "last" ? count - 1 : Number(n));
      return current;
    };
    // Another set of steps on the same controls (the backprop page swaps in a box opened).
    function reconfigure(o) {
      stop();
      count = o.count; render = o.render; names = o.names || null;
      slider.max = Math.max(0, count - 1);
      self.steps = count;
      current = -1;
    }
    return { go: go, play: play, stop: stop, reconfigure: reconfigure,
             count: function () { return count; }, current: function () { return current; } };
  }

  var self = { data: data, player: player, params: function () { return state.params; },
               onHash: onHash, setParam: setParam, el: el };
  return self;
})();
