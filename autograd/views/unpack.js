// A packed page's loader (page.py's shell(pack=True)): #chainrule-packed holds, in base64,
// the raw DEFLATE (RFC 1951) of a JSON array [data, body (its style first), script, ...].
// This inflates it as the parser reaches it (at the latest at the microtask checkpoint
// after this script), so the page is whole before its first paint and before its load
// event, exactly as if every part had been inline: the data goes
// into #chainrule-data, the body into #main, and each script runs in order as an inline
// script the page's Content-Security-Policy lists by its sha256 (any other text is
// refused by the browser). chainrule_inflate is kept for a page's other packed parts.
"use strict";
var chainrule_inflate = (function () {
  var LBASE = [], LEXT = [], DBASE = [], DEXT = [], ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
  var i, b;
  for (i = 0, b = 3; i < 28; i++) { LEXT[i] = i < 8 ? 0 : (i - 4) >> 2; LBASE[i] = b; b += 1 << LEXT[i]; }
  LBASE[28] = 258; LEXT[28] = 0;
  for (i = 0, b = 1; i < 30; i++) { DEXT[i] = i < 4 ? 0 : (i - 2) >> 1; DBASE[i] = b; b += 1 << DEXT[i]; }

  // A canonical Huffman code from its code lengths (RFC 1951 3.2.2) as a lookup table:
  // indexed by the next `bits` bits of input (least significant first), each entry holds
  // the symbol times 16 plus its code's length. One look-up a symbol, not one a bit.
  // The table is built short codes first and doubled (copyWithin) at each longer length,
  // so a short code's copies are made natively, not by a loop over the whole table: the
  // loader runs once, cold, where a JavaScript loop is interpreted.
  function code(lengths) {
    var count = new Uint16Array(16), next = new Uint16Array(16), most = 0, k, len, sym;
    for (k = 0; k < lengths.length; k++) { count[lengths[k]]++; if (lengths[k] > most) most = lengths[k]; }
    count[0] = 0;
    for (len = 1, k = 0; len < 16; len++) { k = (k + count[len - 1]) << 1; next[len] = k; }
    var table = new Uint32Array(1 << most), size = 1;
    for (len = 1; len <= most; len++) {
      table.copyWithin(size, 0, size);  // every shorter code, again with the new top bit set
      size <<= 1;
      if (!count[len]) continue;
      for (sym = 0; sym < lengths.length; sym++) {
        if (lengths[sym] !== len) continue;
        var c = next[len]++, rev = 0;
        for (k = 0; k < len; k++) { rev = (rev << 1) | (c & 1); c >>= 1; }
        table[rev] = (sym << 4) | len;
      }
    }
    return { table: table, bits: most };
  }

  function grow(out, n, k) {
    var bigger = new Uint8Array(Math.max(out.length * 2, n + k));
    bigger.set(out);
    return bigger;
  }
  // The next k bits of s's input, least significant first (headers only: the blocks'
  // symbols are read by the loop below, with its state in local variables).
  function bits(s, k) {
    while (s.have < k) {
      if (s.pos >= s.src.length) throw damaged("cut short");
      s.buf |= s.src[s.pos++] << s.have; s.have += 8;
    }
    var v = s.buf & ((1 << k) - 1);
    s.buf >>>= k; s.have -= k;
    return v;
  }
  function decode(s, h) {
    for (; s.have < h.bits; s.have += 8) s.buf |= (s.src[s.pos++] | 0) << s.have;
    var entry = h.table[s.buf & ((1 << h.bits) - 1)], len = entry & 15;
    if (!len) throw damaged();
    s.buf >>>= len; s.have -= len;
    return entry >> 4;
  }
  function damaged(how) { return new Error("chainrule: the page's packed data is " + (how || "damaged")); }

  return function inflate(src, size) {
    var out = new Uint8Array(size || Math.max(1024, src.length * 4)), n = 0, end = src.length;
    var s = { src: src, pos: 0, buf: 0, have: 0 };
    var last, type, lit, dist, k, len, sym, lengths;
    do {
      last = bits(s, 1); type = bits(s, 2);
      if (type === 0) {  // stored: the rest of this byte is skipped, then LEN, NLEN, bytes
        s.pos -= (s.have - (s.have & 7)) >> 3;  // whole bytes read ahead go back
        s.buf = 0; s.have = 0;
        len = src[s.pos] | (src[s.pos + 1] << 8); s.pos += 4;
        if (n + len > out.length) out = grow(out, n, len);
        out.set(src.subarray(s.pos, s.pos + len), n); n += len; s.pos += len;
        continue;
      }
      if (type === 1) {  // the fixed codes
        lengths = [];
        for (k = 0; k < 288; k++) lengths[k] = k < 144 ? 8 : k < 256 ? 9 : k < 280 ? 7 : 8;
        lit = code(lengths);
        lengths = [];
        for (k = 0; k < 30; k++) lengths[k] = 5;
        dist = code(lengths);
      } else if (type === 2) {  // codes of its own, their lengths coded too
        var nlit = bits(s, 5) + 257, ndist = bits(s, 5) + 1, nlen = bits(s, 4) + 4, small = [];
        for (k = 0; k < 19; k++) small[k] = 0;
        for (k = 0; k < nlen; k++) small[ORDER[k]] = bits(s, 3);
        var lencode = code(small);
        lengths = [];
        while (lengths.length < nlit + ndist) {
          sym = decode(s, lencode);
          if (sym < 16) { lengths.push(sym); continue; }
          var repeat = sym === 16 ? 3 + bits(s, 2) : sym === 17 ? 3 + bits(s, 3) : 11 + bits(s, 7);
          var value = sym === 16 ? lengths[lengths.length - 1] : 0;
          while (repeat--) lengths.push(value);
        }
        lit = code(lengths.slice(0, nlit));
        dist = code(lengths.slice(nlit));
      } else {
        throw damaged();
      }
      // The block's symbols: the hot loop, every piece of state a local variable. Past the
      // end a byte reads as undefined, so as 0 (| 0), as the format pads the last byte.
      var pos = s.pos, buf = s.buf, have = s.have, e, x, back;
      var lt = lit.table, lb = lit.bits, lm = (1 << lb) - 1, dt = dist.table, db = dist.bits, dm = (1 << db) - 1;
      for (;;) {
        for (; have < lb; have += 8) buf |= (src[pos++] | 0) << have;
        e = lt[buf & lm]; x = e & 15;
        if (!x) throw damaged();
        buf >>>= x; have -= x; sym = e >> 4;
        if (sym < 256) {
          if (n === out.length) out = grow(out, n, 1);
          out[n++] = sym;
          continue;
        }
        if (sym === 256) break;
        sym -= 257;
        x = LEXT[sym];
        for (; have < x; have += 8) buf |= (src[pos++] | 0) << have;
        len = LBASE[sym] + (buf & ((1 << x) - 1)); buf >>>= x; have -= x;
        for (; have < db; have += 8) buf |= (src[pos++] | 0) << have;
        e = dt[buf & dm]; x = e & 15;
        if (!x) throw damaged();
        buf >>>= x; have -= x; k = e >> 4;
        x = DEXT[k];
        for (; have < x; have += 8) buf |= (src[pos++] | 0) << have;
        back = DBASE[k] + (buf & ((1 << x) - 1)); buf >>>= x; have -= x;
        if (back > n) throw damaged();
        if (n + len > out.length) out = grow(out, n, len);
        // A match is copied natively, as many times as it overlaps itself (a run of one
        // byte, back = 1, doubles each time): most of a page's bytes come from matches.
        for (k = n - back; len > 0;) {
          x = len < n - k ? len : n - k;
          out.copyWithin(n, k, k + x); n += x; len -= x;
        }
      }
      if (pos > end + 4) throw damaged("cut short");
      s.pos = pos; s.buf = buf; s.have = have;
    } while (!last);
    return out.subarray(0, n);
  };
}());

// "size:base64" to its text (UTF-8), through the inflater; size is the inflated bytes'.
function chainrule_unpack(text) {
  var colon = text.indexOf(":"), b64 = text.slice(colon + 1);
  var bytes = Uint8Array.fromBase64 ? Uint8Array.fromBase64(b64)  // native, where there is one
    : Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
  return new TextDecoder().decode(chainrule_inflate(bytes, colon > 0 ? +text.slice(0, colon) : 0));
}

// The page's parts in place: the data into #chainrule-data, the body into #main (the page's
// own markup, made and escaped in Python, parsed in place as the page's parser would have:
// markup inserted so runs no script), and each script run in order.
function chainrule_place(json) {
  var el = function (id) { return document.getElementById(id); }, parts = JSON.parse(json);
  el("chainrule-data").textContent = parts[0];
  if (parts[1]) el("main").insertAdjacentHTML("beforeend", parts[1]);
  for (var k = 2; k < parts.length; k++) {
    var script = document.createElement("script");
    script.text = parts[k];
    document.body.appendChild(script);
  }
}

// "size:base64" to its text, handed to done: by the browser's own inflater
// (DecompressionStream) where there is one, several times faster than the one above, which
// runs cold. Its stream is written and read through promises only, so done runs at the
// microtask checkpoint that follows the script that called this, still before the parser
// goes on and before the page's load event. Where it is missing or refuses, the inflater
// above does the work, at once.
function chainrule_inflate_then(text, done) {
  var slow = function () { done(chainrule_unpack(text)); };
  if (!window.DecompressionStream || !Uint8Array.fromBase64) return slow();
  try {
    var stream = new DecompressionStream("deflate-raw"), writer = stream.writable.getWriter();
    var reader = stream.readable.getReader(), chunks = [], size = 0;
    writer.write(Uint8Array.fromBase64(text.slice(text.indexOf(":") + 1))).catch(function () {});
    writer.close().catch(function () {});
  } catch (e) {
    return slow();
  }
  var read = function (r) {
    if (!r.done) { chunks.push(r.value); size += r.value.length; return reader.read().then(read); }
    var bytes = new Uint8Array(size), at = 0;
    chunks.forEach(function (c) { bytes.set(c, at); at += c.length; });
    return new TextDecoder().decode(bytes);
  };
  reader.read().then(read).then(done, slow);
}

// A page whose first frame is written in it (#chainrule-first: its style and body, the
// caption's twins first) puts that in place now and the rest (#chainrule-packed: the data
// and the scripts) once the frame is painted (its paint timing entry; two frames where
// there is none): run sooner, they would compete with that frame and change it before it
// shows. At once if its address names a step or a node to open, or when a script asks for
// window.chainrule sooner.
(function () {
  var el = function (id) { return document.getElementById(id); }, packed = el("chainrule-packed").textContent;
  var first = el("chainrule-first");
  if (!first) return chainrule_inflate_then(packed, chainrule_place);
  chainrule_inflate_then(first.textContent, function (body) {
    el("main").insertAdjacentHTML("beforeend", JSON.parse(body));
    var twins = el("chainrule-twins");
    while (twins && twins.firstChild) el("caption").appendChild(twins.firstChild);
    if (twins) twins.parentNode.removeChild(twins);
    var placed = false, rest = function (json) { if (!placed) { placed = true; chainrule_place(json); } };
    if (location.hash.length > 1 || !window.Proxy) return chainrule_inflate_then(packed, rest);
    var stub = window.chainrule = new Proxy({}, {
      get: function (_, key) { rest(chainrule_unpack(packed)); return window.chainrule === stub ? undefined : window.chainrule[key]; },
      has: function (_, key) { rest(chainrule_unpack(packed)); return window.chainrule !== stub && key in window.chainrule; }
    });
    var later = function () { if (!placed) chainrule_inflate_then(packed, rest); };
    var types = window.PerformanceObserver && PerformanceObserver.supportedEntryTypes;
    if (types && types.indexOf("paint") >= 0) {  // once the frame is painted (shown on screen)
      var painted = new PerformanceObserver(function () { painted.disconnect(); setTimeout(later, 0); });
      painted.observe({ type: "paint" });
    } else {
      requestAnimationFrame(function () { requestAnimationFrame(function () { setTimeout(later, 0); }); });
    }
    setTimeout(later, 500);  // where no frame comes (a page in a hidden tab)
  });
}());
