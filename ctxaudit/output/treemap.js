/* ctxaudit's treemap: squarified layout (Bruls, Huizing, van Wijk 2000) drawn
   as SVG, with drill-down, hover, keyboard access and highlights. No network,
   no library; every name reaches the page through textContent. */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var box = document.getElementById("treemap");
  var source = document.getElementById("ctxaudit-data");
  if (!box || !source) return;
  var data = JSON.parse(source.textContent);
  var kinds = data.kinds;
  var nodes = [];

  function build(a, parent) {
    var n = { id: nodes.length, name: a[0], kind: a[1], s: a[2], f: a[3], parent: parent, kids: null };
    nodes.push(n);
    if (a[4]) {
      n.kids = [];
      for (var i = 0; i < a[4].length; i++) n.kids.push(build(a[4][i], n));
    }
    return n;
  }
  var root = build(data.tree, null);
  var view = 0;
  var zoom = root;
  var selected = null;
  var marks = null;
  var markLabel = "";
  var HEAD = 17;

  var tip = document.getElementById("treemap-tip");
  var status = document.getElementById("treemap-status");
  var crumbs = document.getElementById("treemap-crumbs");
  var legend = document.getElementById("treemap-legend");
  var svg = document.createElementNS(SVGNS, "svg");
  svg.setAttribute("role", "img");
  box.appendChild(svg);

  function fmt(n) {
    if (n < 1024) return n + " B";
    var units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    var v = n / 1024;
    for (var i = 0; i < units.length - 1 && v >= 1024; i++) v /= 1024;
    return v.toFixed(1) + " " + units[i];
  }
  function num(n) { return n.toLocaleString("en-US"); }
  function val(n) {
    var m = data.views[view].sum, t = 0;
    for (var i = 0; i < m.length; i++) t += n.s[m[i]];
    return t;
  }
  function files(n) {
    var m = data.views[view].files, t = 0;
    for (var i = 0; i < m.length; i++) t += n.f[m[i]];
    return t;
  }
  function label(n) {
    return n.name === null ? num(files(n)) + " smaller " + (files(n) === 1 ? "file" : "files") : n.name;
  }
  function path(n) {
    var parts = [];
    for (var p = n; p && p !== root; p = p.parent) parts.unshift(label(p));
    return parts.length ? parts.join(data.sep) : root.name;
  }
  function faded(n) {
    var f = data.views[view].fade;
    return f !== undefined && f !== null && n.s[f] === 0;
  }
  function describe(n) {
    var text = path(n) + " \u2014 " + fmt(val(n));
    var count = files(n);
    if (n.kids || n.name === null) text += ", " + num(count) + (count === 1 ? " file" : " files");
    text += " \u2014 " + kinds[n.kind][0];
    for (var i = 0; i < data.measures.length; i++) {
      if (data.views[view].sum.length === 1 && data.views[view].sum[0] === i) continue;
      text += "; " + data.measures[i] + " " + fmt(n.s[i]);
    }
    if (removed(n)) text += "; " + markLabel + " removes " + fmt(removed(n));
    return text;
  }

  /* Bytes the highlighted suggestion removes from a node: its own figure, or all
     of it below a node removed whole (the data lists only the topmost). */
  function removed(n) {
    if (!marks) return 0;
    for (var p = n; p; p = p.parent) {
      var m = marks[p.id];
      if (m === undefined) continue;
      return p === n ? m : (m >= p.s[0] ? n.s[0] : 0);
    }
    return 0;
  }

  /* Squarified layout of items [{n, v}] (v > 0, largest first) in a rectangle. */
  function squarify(items, x, y, w, h) {
    var out = [], total = 0, i;
    for (i = 0; i < items.length; i++) total += items[i].v;
    if (total <= 0 || w <= 0 || h <= 0) return out;
    var scale = (w * h) / total;
    i = 0;
    while (i < items.length) {
      var side = Math.min(w, h), row = [], sum = 0, worst = Infinity;
      while (i < items.length) {
        var a = items[i].v * scale, s = sum + a;
        var big = (row.length ? row[0].v * scale : a), small = a;
        var next = Math.max((side * side * big) / (s * s), (s * s) / (side * side * small));
        if (row.length && next > worst) break;
        row.push(items[i]); sum = s; worst = next; i++;
      }
      var thick = sum / side, at = 0, j, len;
      if (i >= items.length) thick = w >= h ? w : h;  /* the last row fills what is left */
      for (j = 0; j < row.length; j++) {
        len = (row[j].v * scale) / thick;
        if (j === row.length - 1) len = side - at;
        if (w >= h) out.push({ n: row[j].n, x: x, y: y + at, w: thick, h: len });
        else out.push({ n: row[j].n, x: x + at, y: y, w: len, h: thick });
        at += len;
      }
      if (w >= h) { x += thick; w -= thick; } else { y += thick; h -= thick; }
    }
    return out;
  }

  function items(n) {
    var out = [];
    if (!n.kids) return out;
    for (var i = 0; i < n.kids.length; i++) {
      var v = val(n.kids[i]);
      if (v > 0) out.push({ n: n.kids[i], v: v });
    }
    out.sort(function (a, b) { return b.v - a.v || a.n.id - b.n.id; });
    return out;
  }

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    parent.appendChild(e);
    return e;
  }

  function text(parent, x, y, w, words, cls) {
    var max = Math.floor((w - 6) / 6.6);
    if (max < 3) return;
    var t = el("text", { x: x + 3, y: y + 12, class: cls || "" }, parent);
    t.textContent = words.length > max ? words.slice(0, max - 1) + "\u2026" : words;
  }

  /* A node and, while there is room, what it holds. ``covered``: an ancestor
     is highlighted whole, so this node needs no highlight of its own. */
  function draw(n, x, y, w, h, depth, covered, g) {
    if (w < 0.5 || h < 0.5) return;
    var rect = el("rect", { x: x, y: y, width: w, height: h, "data-id": n.id, fill: kinds[n.kind][1] }, g);
    var cls = [];
    if (faded(n)) cls.push("faded");
    if (n === selected) cls.push("selected");
    if (cls.length) rect.setAttribute("class", cls.join(" "));
    var m = removed(n);
    var whole = m > 0 && m >= val(n);
    var open = n.kids && depth < 4 && w > 36 && h > HEAD + 14;
    if (open) {
      text(g, x, y, w, label(n) + "  " + fmt(val(n)), "head");
      var kids = squarify(items(n), x + 2, y + HEAD, w - 4, h - HEAD - 2);
      for (var i = 0; i < kids.length; i++) {
        var k = kids[i];
        draw(k.n, k.x, k.y, k.w, k.h, depth + 1, covered || whole, g);
      }
    } else if (h > 15) {
      text(g, x, y, w, label(n), n.kids ? "head" : "");
    }
    if (!covered && m > 0 && (whole || !open)) {
      var over = { x: x + 1, y: y + 1, width: Math.max(w - 2, 0), height: Math.max(h - 2, 0), "data-of": n.id };
      over["class"] = whole ? "mark" : "mark partial";
      el("rect", over, g);
    }
  }

  function render() {
    var w = Math.max(box.clientWidth, 200), h = Math.max(Math.round(Math.min(w * 0.55, 560)), 240);
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("aria-label", "Treemap of " + path(zoom) + ", " + data.views[view].label + ": " + fmt(val(zoom)));
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var g = el("g", {}, svg);
    var kids = squarify(items(zoom), 0, 0, w, h);
    for (var i = 0; i < kids.length; i++) draw(kids[i].n, kids[i].x, kids[i].y, kids[i].w, kids[i].h, 1, false, g);
    if (!kids.length) {
      var t = el("text", { x: 12, y: 24 }, g);
      t.textContent = "nothing here in this view (" + data.views[view].label + ")";
    }
    crumbsRender();
    legendRender();
  }

  function crumbsRender() {
    while (crumbs.firstChild) crumbs.removeChild(crumbs.firstChild);
    var chain = [];
    for (var p = zoom; p; p = p.parent) chain.unshift(p);
    chain.forEach(function (n, i) {
      if (i) crumbs.appendChild(document.createTextNode(" " + data.sep.trim() + " "));
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = i ? label(n) : root.name;
      if (n === zoom) b.setAttribute("aria-current", "location");
      b.addEventListener("click", function () { setZoom(n); box.focus(); });
      crumbs.appendChild(b);
    });
  }

  function legendRender() {
    var totals = {};
    (function sum(n) {
      if (n.kids) { for (var i = 0; i < n.kids.length; i++) sum(n.kids[i]); return; }
      totals[n.kind] = (totals[n.kind] || 0) + val(n);
    })(zoom);
    while (legend.firstChild) legend.removeChild(legend.firstChild);
    Object.keys(totals).map(Number).sort(function (a, b) { return totals[b] - totals[a]; }).forEach(function (k) {
      if (!totals[k]) return;
      var li = document.createElement("li");
      var sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = kinds[k][1];
      li.appendChild(sw);
      li.appendChild(document.createTextNode(kinds[k][0] + " " + fmt(totals[k])));
      legend.appendChild(li);
    });
    var note = data.views[view].fadeLabel;
    if (note) {
      var li2 = document.createElement("li");
      var sw2 = document.createElement("span");
      sw2.className = "swatch faded-swatch";
      li2.appendChild(sw2);
      li2.appendChild(document.createTextNode("faded: " + note));
      legend.appendChild(li2);
    }
  }

  function say(message) { status.textContent = message; }

  function setZoom(n) {
    zoom = n;
    selected = null;
    render();
    say(describe(zoom));
  }

  function target(ev) {
    var t = ev.target;
    var id = t && t.getAttribute ? t.getAttribute("data-id") : null;
    return id === null ? null : nodes[+id];
  }

  svg.addEventListener("mousemove", function (ev) {
    var n = target(ev);
    if (!n) { tip.hidden = true; return; }
    tip.textContent = describe(n);
    tip.hidden = false;
    var r = box.getBoundingClientRect();
    var x = ev.clientX - r.left + 14, y = ev.clientY - r.top + 14;
    if (x + tip.offsetWidth > r.width) x = Math.max(ev.clientX - r.left - tip.offsetWidth - 8, 0);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  });
  svg.addEventListener("mouseleave", function () { tip.hidden = true; });
  svg.addEventListener("click", function (ev) {
    var n = target(ev);
    if (!n) return;
    /* One level down: the child of the open directory that holds what was clicked. */
    var c = n;
    while (c.parent && c.parent !== zoom) c = c.parent;
    if (c.parent === zoom && c.kids) setZoom(c);
    else say(describe(n));
  });

  box.addEventListener("keydown", function (ev) {
    var list = items(zoom).map(function (it) { return it.n; });
    var i = selected ? list.indexOf(selected) : -1;
    var key = ev.key;
    if (key === "ArrowRight" || key === "ArrowDown") i = Math.min(i + 1, list.length - 1);
    else if (key === "ArrowLeft" || key === "ArrowUp") i = Math.max(i - 1, 0);
    else if (key === "Home") i = 0;
    else if (key === "End") i = list.length - 1;
    else if ((key === "Enter" || key === " ") && selected) {
      ev.preventDefault();
      if (selected.kids) setZoom(selected);
      return;
    } else if ((key === "Backspace" || key === "Escape") && zoom.parent) {
      ev.preventDefault();
      var from = zoom;
      setZoom(zoom.parent);
      selected = from;
      render();
      say(describe(from));
      return;
    } else return;
    ev.preventDefault();
    if (i < 0 || !list.length) return;
    selected = list[i];
    render();
    say(describe(selected) + (selected.kids ? " (Enter opens it)" : ""));
  });

  var radios = document.querySelectorAll("input[name=treemap-view]");
  Array.prototype.forEach.call(radios, function (r) {
    var v = +r.value;
    if (data.views[v].sum.every(function (m) { return root.s[m] === 0; }) && v !== 0) r.disabled = true;
    r.addEventListener("change", function () {
      view = v;
      if (val(zoom) === 0) zoom = root;
      selected = null;
      render();
      say(data.views[view].label + ": " + describe(zoom));
    });
  });

  var markButtons = document.querySelectorAll("button[data-mark]");
  Array.prototype.forEach.call(markButtons, function (b) {
    b.addEventListener("click", function () {
      var i = +b.getAttribute("data-mark");
      var on = b.getAttribute("aria-pressed") !== "true";
      Array.prototype.forEach.call(markButtons, function (o) { o.setAttribute("aria-pressed", "false"); });
      marks = null;
      if (on) {
        var m = data.marks[i];
        marks = m.nodes;
        markLabel = m.label;
        b.setAttribute("aria-pressed", "true");
        view = 0;
        radios[0].checked = true;
        if (!removed(zoom)) zoom = root;
      }
      render();
      box.scrollIntoView({ block: "nearest" });
      say(on ? markLabel + ": highlighted, " + fmt(marks[root.id] || 0) + " of the " + data.views[0].label : "highlight off");
    });
  });

  var pending = 0;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(render, 100);
  });
  box.hidden = false;
  render();
  say(describe(root));
})();
