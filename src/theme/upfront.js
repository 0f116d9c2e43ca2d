/* upfront.js: small and progressive. The page is whole without it; with it,
   times read in the reader's own zone, "last updated" says how long ago, and
   an open page reloads when a new build is published (notice.json). */
(function () {
  "use strict";
  var d = document, root = d.documentElement, lang = root.lang || undefined;
  var me = d.currentScript && d.currentScript.src;
  if (!me || !window.Intl || !d.querySelectorAll) return;
  var clock;
  try {
    clock = new Intl.DateTimeFormat(lang, {
      year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
  } catch (e) { return; }
  // Times with a clock in them, in the reader's zone; the site's stays as the tooltip.
  d.querySelectorAll("time[datetime]").forEach(function (t) {
    var when = new Date(t.getAttribute("datetime"));
    if (isNaN(when) || t.textContent.indexOf(":") < 0) return;
    t.title = t.textContent;
    t.textContent = clock.format(when);
  });
  var zone = d.querySelector("[data-zone]"), reader = clock.resolvedOptions().timeZone;
  if (zone && reader) zone.textContent = zone.getAttribute("data-zone").replace("{zone}", reader);
  // "5 minutes ago" beside "last updated".
  var ago = d.querySelector("footer time"), rel = window.Intl.RelativeTimeFormat &&
    new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  var since;
  if (ago && rel) {
    since = d.createElement("span");
    ago.parentNode.insertBefore(since, ago.nextSibling);
  }
  function tick() {
    if (!since) return;
    var minutes = Math.round((new Date(ago.getAttribute("datetime")) - Date.now()) / 60000);
    since.textContent = " (" + (Math.abs(minutes) < 60 ? rel.format(minutes, "minute")
      : Math.abs(minutes) < 2880 ? rel.format(Math.round(minutes / 60), "hour")
      : rel.format(Math.round(minutes / 1440), "day")) + ")";
  }
  tick();
  // Reload on news: the homepage on any new build, other pages when an
  // active incident gets an update (their own content may have changed).
  var build = root.getAttribute("data-build"), seen = null;
  function poll() {
    tick();
    if (d.hidden || !window.fetch) return;
    fetch(new URL("notice.json", me).href, { cache: "no-store" }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (n) {
      if (!n) return;
      var news = JSON.stringify((n.incidents || []).map(function (i) { return i.update; }));
      if ((build && n.build_id && n.build_id !== build) || (seen !== null && news !== seen)) {
        location.reload();
      }
      seen = news;
    }).catch(function () {});
  }
  poll();
  setInterval(poll, 60000);
})();
