/* upfront notice: <script src="https://status.example.com/notice.js" data-components="downloads,licensing" async></script>
   Shows the status site's active incidents affecting those components at the top of the page.
   No dependencies; any failure (network, junk JSON, blocked storage) shows nothing and throws nothing. */
(function () {
  "use strict";
  var me = document.currentScript;
  try {
    if (!me || !window.fetch || !window.JSON) return;
    var src = me.getAttribute("data-src") || me.src.replace(/notice\.js([?#].*)?$/, "notice.json");
    var want = (me.getAttribute("data-components") || "").split(",")
      .map(function (s) { return s.trim(); }).filter(Boolean);
    fetch(src, { credentials: "omit", cache: "no-cache" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { try { ready(function () { show(data, want); }); } catch (e) {} },
            function () {});
  } catch (e) {}

  function ready(f) {
    if (document.body) f(); else document.addEventListener("DOMContentLoaded", f);
  }
  function key(i) { return "upfront-notice:" + i.slug + ":" + i.update; }
  function dismissed(i) {
    try { return window.localStorage.getItem(key(i)) === "1"; } catch (e) { return false; }
  }
  function web(u) { return typeof u === "string" && /^https?:\/\//.test(u); }
  function text(s) { return typeof s === "string" ? s : ""; }
  function el(tag, css, content) {
    var n = document.createElement(tag);
    if (css) n.style.cssText = css;
    if (content) n.textContent = content;
    return n;
  }
  function link(href, label) {
    var a = el("a", "color:#0a3069;text-decoration:underline;font-weight:600", label);
    a.href = href;
    return a;
  }
  function show(data, want) {
    if (!data || !Array.isArray(data.incidents)) return;
    var list = data.incidents.filter(function (i) {
      return i && typeof i.slug === "string" && typeof i.title === "string" && web(i.url) &&
        (!want.length || (Array.isArray(i.affected) && i.affected.some(function (c) { return want.indexOf(c) >= 0; }))) &&
        !dismissed(i);
    });
    if (!list.length) return;
    var box = el("section", "all:initial;display:block;font:16px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;color:#1f2328");
    box.setAttribute("aria-label", "Service notice");
    box.className = "upfront-notice";
    list.forEach(function (i) {
      var severe = i.severity === "critical" || i.severity === "major";
      var row = el("div", "display:flex;gap:.75em;align-items:flex-start;padding:.75em 1em;border-left:6px solid " +
        (severe ? "#c4212b" : "#8a5a00") + ";background:" + (severe ? "#ffebe9" : "#fff8c5") + ";border-bottom:1px solid #d0d7de");
      row.setAttribute("role", "status");
      var body = el("div", "flex:1");
      var head = el("p", "margin:0");
      head.appendChild(el("strong", "", "Special Notice: "));
      head.appendChild(link(i.url, i.title));
      body.appendChild(head);
      if (text(i.summary)) body.appendChild(el("p", "margin:.25em 0 0", i.summary));
      var meta = el("p", "margin:.25em 0 0;font-size:.9em", text(i.status_label) + (text(i.severity_label) ? " · " + i.severity_label : ""));
      if (i.letter && web(i.letter.url) && text(i.letter.title)) {
        meta.appendChild(document.createTextNode(" · "));
        meta.appendChild(link(i.letter.url, i.letter.title));
      }
      body.appendChild(meta);
      var close = el("button", "all:initial;cursor:pointer;font:600 1.25em/1 system-ui,sans-serif;color:#1f2328;padding:.1em .35em;border:1px solid #57606a;border-radius:4px;background:#fff", "\u00d7");
      close.type = "button";
      close.setAttribute("aria-label", "Dismiss the notice about " + i.title);
      close.addEventListener("click", function () {
        try { window.localStorage.setItem(key(i), "1"); } catch (e) {}
        row.parentNode && row.parentNode.removeChild(row);
        if (!box.firstChild && box.parentNode) box.parentNode.removeChild(box);
      });
      row.appendChild(body);
      row.appendChild(close);
      box.appendChild(row);
    });
    // First in the page, so it is also first in the focus order.
    document.body.insertBefore(box, document.body.firstChild);
  }
})();
