// chainrule training replay: sets each recorded step's numbers into the panels that
// nn/watching/panels.py drew for the first one. Runs on the shared step player (autograd's page
// shell); everything it needs is in chainrule.data, nothing is fetched.
"use strict";
(function () {
  var D = chainrule.data, frames = D.frames, palette = D.palette, codes = D.codes;
  var q = function (selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); };
  var params = q(".cr-net .cr-p"), bars = q(".cr-bar"), barTexts = q(".cr-bar-text");
  var clip = chainrule.el("cr-clip-rect"), marker = q(".cr-marker")[0], dot = q(".cr-dot")[0];
  var gmax = q(".cr-gmax")[0], hover = q(".cr-hover")[0];
  var image = q(".cr-field-img")[0], line = q(".cr-field-line")[0], fieldStep = q(".cr-field-step")[0];
  var caption = chainrule.el("caption"), current = 0, hovered = -1;

  function span(text, id) {
    var b = document.createElement("b");
    if (id) b.id = id;
    b.textContent = text;
    return b;
  }

  function showCaption(f) {
    caption.textContent = "";
    caption.appendChild(document.createTextNode("training step "));
    caption.appendChild(span(String(f.step), "cr-step"));
    caption.appendChild(document.createTextNode(" · loss "));
    caption.appendChild(span(f.loss, "cr-loss"));
    if (f.accuracy !== null) {
      caption.appendChild(document.createTextNode(" · accuracy "));
      caption.appendChild(span(f.accuracy, "cr-accuracy"));
    }
  }

  function showHover() {
    if (hovered < 0) { hover.textContent = "\u00a0"; return; }
    var f = frames[current];
    hover.textContent = D.names[hovered] + ": value " + f.v[hovered] + ", grad " + f.g[hovered];
  }

  function render(k) {
    var f = frames[k];
    current = k;
    showCaption(f);
    params.forEach(function (el) {
      var i = +el.getAttribute("data-i");
      var colour = palette[codes.indexOf(f.colour.charAt(i))];
      if (el.tagName.toLowerCase() === "line") {
        el.setAttribute("stroke", colour);
        el.setAttribute("stroke-width", f.width[i]);
      } else {
        el.setAttribute("fill", colour);
        el.setAttribute("stroke-width", f.width[i] / 2);
      }
    });
    if (clip) clip.setAttribute("width", f.x);
    if (marker) { marker.setAttribute("x1", f.x); marker.setAttribute("x2", f.x); }
    if (dot) { dot.setAttribute("cx", f.x); dot.setAttribute("cy", f.y); }
    bars.forEach(function (el, j) {
      el.setAttribute("y", f.bars[j][0]);
      el.setAttribute("height", f.bars[j][1]);
      barTexts[j].setAttribute("y", f.bars[j][0] - 3);
      barTexts[j].textContent = f.norms[j];
    });
    if (gmax) gmax.textContent = f.gmax;
    if (image && f.boundary >= 0) {
      var field = D.fields[f.boundary];
      image.setAttribute("href", field.url);
      line.setAttribute("d", field.path);
      fieldStep.textContent = "boundary at step " + field.step;  // the latest drawn at or before this step
    }
    showHover();
  }

  params.forEach(function (el) {
    el.addEventListener("mouseenter", function () { hovered = +el.getAttribute("data-i"); showHover(); });
    el.addEventListener("mouseleave", function () { hovered = -1; showHover(); });
  });
  chainrule.player({
    count: frames.length,
    render: render,
    names: frames.map(function (f) { return "training step " + f.step; })
  });
})();
