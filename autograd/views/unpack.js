// A packed page's loader (page.py's shell(pack=True)): #chainrule-packed holds, in base64,
// the raw DEFLATE (RFC 1951) of a JSON array [data, body, script, ...]. This inflates it
// synchronously, as the parser reaches it, so the page is whole before its first paint
// and before its load event, exactly as if every part had been inline: the data goes
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
  function code(lengths) {
    var count = new Uint16Array(16), next = new Uint16Array(16), most = 0, k, len;
    for (k = 0; k < lengths.length; k++) { count[lengths[k]]++; most = Math.max(most, lengths[k]); }
    count[0] = 0;
    for (len = 1, k = 0; len < 16; len++) { k = (k + count[len - 1]) << 1; next[len] = k; }
    var table = new Uint32Array(1 << most);
    for (var sym = 0; sym < lengths.length; sym++) {
      len = lengths[sym];
      if (!len) continue;
      var c = next[len]++, reversed = 0;
      for (k = 0; k < len; k++) { reversed = (reversed << 1) | (c & 1); c >>= 1; }
      for (k = reversed; k < table.length; k += 1 << len) table[k] = (sym << 4) | len;
    }
    return { table: table, bits: most };
  }

  return function inflate(src) {
    var out = new Uint8Array(Math.max(1024, src.length * 4)), n = 0, pos = 0, buf = 0, have = 0;
    function room(k) {
      if (n + k <= out.length) return;
      var bigger = new Uint8Array(Math.max(out.length * 2, n + k));
      bigger.set(out); out = bigger;
    }
    function bits(k) {  // the next k bits, least significant first
      while (have < k) {
        if (pos >= src.length) throw new Error("chainrule: the page's packed data is cut short");
        buf |= src[pos++] << have; have += 8;
      }
      var v = buf & ((1 << k) - 1);
      buf >>>= k; have -= k;
      return v;
    }
    function decode(h) {
      while (have < h.bits) { buf |= (pos < src.length ? src[pos] : 0) << have; pos++; have += 8; }
      var entry = h.table[buf & ((1 << h.bits) - 1)], len = entry & 15;
      if (!len || pos > src.length + 4) throw new Error("chainrule: the page's packed data is damaged");
      buf >>>= len; have -= len;
      return entry >> 4;
    }
    var last, type, lit, dist, k, len, sym, lengths;
    do {
      last = bits(1); type = bits(2);
      if (type === 0) {  // stored: the rest of this byte is skipped, then LEN, NLEN, bytes
        pos -= (have - (have & 7)) >> 3;  // whole bytes read ahead go back
        buf = 0; have = 0;
        len = src[pos] | (src[pos + 1] << 8); pos += 4;
        room(len); out.set(src.subarray(pos, pos + len), n); n += len; pos += len;
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
        var nlit = bits(5) + 257, ndist = bits(5) + 1, nlen = bits(4) + 4, small = [];
        for (k = 0; k < 19; k++) small[k] = 0;
        for (k = 0; k < nlen; k++) small[ORDER[k]] = bits(3);
        var lencode = code(small);
        lengths = [];
        while (lengths.length < nlit + ndist) {
          sym = decode(lencode);
          if (sym < 16) { lengths.push(sym); continue; }
          var repeat = sym === 16 ? 3 + bits(2) : sym === 17 ? 3 + bits(3) : 11 + bits(7);
          var value = sym === 16 ? lengths[lengths.length - 1] : 0;
          while (repeat--) lengths.push(value);
        }
        lit = code(lengths.slice(0, nlit));
        dist = code(lengths.slice(nlit));
      } else {
        throw new Error("chainrule: the page's packed data is damaged");
      }
      for (;;) {
        sym = decode(lit);
        if (sym < 256) { room(1); out[n++] = sym; continue; }
        if (sym === 256) break;
        sym -= 257;
        len = LBASE[sym] + bits(LEXT[sym]);
        k = decode(dist);
        var back = DBASE[k] + bits(DEXT[k]);
        room(len);
        for (k = 0; k < len; k++, n++) out[n] = out[n - back];
      }
    } while (!last);
    return out.subarray(0, n);
  };
}());

// Base64 text to its text (UTF-8), through the inflater.
function chainrule_unpack(text) {
  var raw = atob(text), bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new TextDecoder().decode(chainrule_inflate(bytes));
}

(function () {
  var packed = document.getElementById("chainrule-packed");
  var parts = JSON.parse(chainrule_unpack(packed.textContent));
  document.getElementById("chainrule-data").textContent = parts[0];
  // The body as the page's own parser would read it (a parsed document runs no script).
  var body = new DOMParser().parseFromString(parts[1], "text/html").body, main = document.getElementById("main");
  while (body.firstChild) main.appendChild(body.firstChild);
  for (var k = 2; k < parts.length; k++) {
    var script = document.createElement("script");
    script.text = parts[k];
    document.body.appendChild(script);
  }
}());
