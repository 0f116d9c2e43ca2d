/* upfront notice: shows the status site's active incidents affecting the listed components at the
   top of the page. Embed it so that it never delays your page: loaded after your page's `load` event.
   <script>(function(){function go(){var s=document.createElement("script");
   s.src="https://status.example.com/notice.js";s.setAttribute("data-components","downloads,licensing");
   document.head.appendChild(s)}document.readyState==="complete"?go():addEventListener("load",go)})();</script>
   (`<script src=".../notice.js" data-components="..." async></script>` works too, but while the status
   host hangs, an async script holds up the page's load event.)
   No dependencies; any failure (network, junk JSON, blocked storage) shows nothing and throws nothing.
   notice.json is given up after TIMEOUT ms. When the status host answers without a CORS header, one
   console warning says what to configure. */
(function () {
  "use strict";
  var TIMEOUT = 4000;
  var me = document.currentScript;
  try {
    if (!me || !window.fetch || !window.JSON) return;
    var src = me.getAttribute("data-src") || me.src.replace(/notice\.js([?#].*)?$/, "notice.json");
    var want = (me.getAttribute("data-components") || "").split(",")
      .map(function (s) { return s.trim(); }).filter(Boolean);
    get(src, { credentials: "omit", cache: "no-cache" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { try { ready(function () { show(data, want); }); } catch (e) {} },
            function (e) { explain(src, e); });
  } catch (e) {}

  /* fetch, given up after TIMEOUT ms: a hanging status host costs this page nothing. */
  function get(url, options) {
    var abort = window.AbortController ? new AbortController() : null;
    if (abort) options.signal = abort.signal;
    var timer = setTimeout(function () { if (abort) abort.abort(); }, TIMEOUT);
    var done = function () { clearTimeout(timer); };
    return fetch(url, options).then(function (r) { done(); return r; },
                                    function (e) { done(); throw e; });
  }
  /* A failed cross-origin read is either the network or a missing CORS header; a no-cors request
     reaching the host tells them apart. Only the second is the site owner's to fix. */
  function explain(url, error) {
    try {
      if (!error || error.name === "AbortError") return;
      var target = new URL(url, location.href);
      if (target.origin === location.origin) return;
      get(url, { mode: "no-cors", credentials: "omit", cache: "no-cache" }).then(function () {
        if (window.console && console.warn) {
          console.warn("upfront notice: " + target.href + " answered without an " +
            "Access-Control-Allow-Origin header, so this page cannot read it and shows no notice. " +
            "Configure the status site's host to send `Access-Control-Allow-Origin: *` for /notice.json " +
            "(upfront build writes it into _headers for Netlify and Cloudflare Pages).");
        }
      }, function () {});
    } catch (e) {}
  }

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
