/* statusgen, optional: shows times in the reader's own timezone and switches maintenance, component
   statuses and the banner on time while the page stays open. Without it the page is right as of
   its build. window.statusgen.refresh(date) re-applies everything as of a given moment (tests). */
(function () {
  "use strict";
  // statusgen's vocabulary (statusgen/vocabulary.py), written in by the build.
  var VOCABULARY = /* statusgen:vocabulary */{};
  var ORDER = VOCABULARY.maintenance_order || [];
  var STATUS_ICONS = VOCABULARY.status_icons || {}, INDICATOR_ICONS = VOCABULARY.indicator_icons || {};
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  var locale = document.documentElement.lang || undefined;
  var REFETCH_MS = 300000;
  // The build time lives in one file next to the API (see api/v2/freshness.json), found from
  // this script's own address, so it works at any base path and no page embeds it.
  var script = document.currentScript;
  // The words come from the site's catalog, as data on this script's own tag (render/html.py).
  var TEXT = JSON.parse((script && script.getAttribute("data-labels")) || "{}");
  var STATE_LABELS = TEXT.states || {}, STATUS_LABELS = TEXT.statuses || {};
  var freshnessUrl = script && script.src ? new URL("../api/v2/freshness.json", script.src).href : null;
  var freshness = null, fetchedAt = null;

  // A catalog message with its %(name)s placeholders filled.
  function fill(message, values) {
    return String(message || "").replace(/%\((\w+)\)s|%%/g, function (all, name) { return name ? values[name] : "%"; });
  }

  // The build's own form, "26 Nov 2026, 16:25 EST", in the reader's zone; other languages in theirs.
  function formatAbsolute(date, timeZone) {
    var options = {day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
      timeZoneName: "short", timeZone: timeZone};
    if (!/^en\b/.test(locale || "en")) return new Intl.DateTimeFormat(locale, options).format(date);
    options.hourCycle = "h23";
    var parts = {}, list = new Intl.DateTimeFormat(locale, options).formatToParts(date);
    for (var i = 0; i < list.length; i++) parts[list[i].type] = list[i].value;
    return parts.day + " " + parts.month + " " + parts.year + ", " + parts.hour + ":" + parts.minute + " " + parts.timeZoneName;
  }

  function formatRelative(date, now, numeric) {
    var seconds = (date.getTime() - now.getTime()) / 1000;
    var rtf = new Intl.RelativeTimeFormat(locale, {numeric: numeric || "auto"});
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1]) return rtf.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
    }
    return rtf.format(0, "second");
  }

  function localiseTimes(now) {
    var times = document.querySelectorAll("time[datetime*='T']");
    for (var i = 0; i < times.length; i++) {
      var el = times[i], date = new Date(el.getAttribute("datetime"));
      if (isNaN(date)) continue;
      if (!el.hasAttribute("data-site-time")) {
        el.setAttribute("data-site-time", el.textContent);
        el.title = el.textContent;
      }
      var text = formatAbsolute(date);
      if (Math.abs(date - now) < 30 * 86400000) text += " (" + formatRelative(date, now) + ")";
      el.textContent = text;
    }
  }

  /* Never moves a maintenance backwards: a reader's slow clock must not undo what the build knew. */
  function maintenanceState(el, now) {
    var current = el.getAttribute("data-maintenance-state");
    if (ORDER.indexOf(current) < 0) return current;
    var start = Date.parse(el.getAttribute("data-start")), end = Date.parse(el.getAttribute("data-end"));
    var due = now < start ? "scheduled" : now < end ? "in_progress" : "completed";
    return ORDER.indexOf(due) > ORDER.indexOf(current) ? due : current;
  }

  function flipMaintenance(now) {
    var items = document.querySelectorAll("[data-maintenance-state][data-start]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i], state = maintenanceState(el, now);
      if (state === el.getAttribute("data-maintenance-state")) continue;
      el.setAttribute("data-maintenance-state", state);
      var labels = el.querySelectorAll(".state");
      for (var j = 0; j < labels.length; j++) {
        labels[j].textContent = STATE_LABELS[state];
        labels[j].className = "state st-" + state;
      }
      moveToList(el, state);
    }
    syncLists();
  }

  /* On the index each state has its section (data-list): a window that starts or ends moves to
     its new one, so nothing completed stays under "Maintenance in progress". */
  function moveToList(el, state) {
    var from = el.parentNode, to = document.querySelector("section[data-list='" + state + "']");
    if (!from || !from.hasAttribute || !from.hasAttribute("data-list") || !to || to === from) return;
    var first = to.querySelector("[data-incident]");
    if (state === "completed") to.insertBefore(el, first || to.querySelector(".none"));
    else to.insertBefore(el, to.querySelector(".more"));
  }

  function syncLists() {
    var lists = document.querySelectorAll("section[data-list]");
    for (var i = 0; i < lists.length; i++) {
      var list = lists[i], filled = !!list.querySelector("[data-incident], .more"), none = list.querySelector(".none");
      if (none) none.hidden = filled;
      else list.hidden = !filled;
    }
  }

  /* The footer names the zone the times are shown in: the reader's, once they are localised. */
  function nameZone() {
    var note = document.querySelector(".zone[data-zone]"), zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!note || !zone) return;
    var site = note.getAttribute("data-zone");
    note.textContent = zone === site ? fill(TEXT.zone_site, {tz: site}) : fill(TEXT.zone_reader, {zone: zone, site: site});
  }

  function setComponent(id, status) {
    var items = document.querySelectorAll("[data-component='" + id + "'][data-status]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      el.setAttribute("data-status", status);
      var shown = el.querySelector(".status") || el;
      shown.className = shown.className.replace(/\bs-[a-z_]+/, "s-" + status);
      var label = shown.querySelector(".label"), icon = shown.querySelector(".icon");
      if (label) label.textContent = STATUS_LABELS[status];
      if (icon) icon.textContent = STATUS_ICONS[status];
    }
  }

  function applySchedule(now) {
    var banner = document.querySelector("[data-indicator][data-schedule]");
    if (!banner) return;
    var changes = JSON.parse(banner.getAttribute("data-schedule") || "[]");
    var applied = Number(banner.getAttribute("data-applied") || 0);
    for (var i = applied; i < changes.length && Date.parse(changes[i].at) <= now; i++) {
      var change = changes[i];
      banner.setAttribute("data-indicator", change.indicator);
      banner.className = banner.className.replace(/\bi-[a-z]+/, "i-" + change.indicator);
      banner.querySelector(".label").textContent = change.description;
      banner.querySelector(".icon").textContent = INDICATOR_ICONS[change.indicator];
      for (var id in change.components) setComponent(id, change.components[id]);
      banner.setAttribute("data-applied", i + 1);
    }
  }

  function loadFreshness(now) {
    if (!freshnessUrl || !window.fetch || (fetchedAt !== null && now - fetchedAt < REFETCH_MS)) return;
    fetchedAt = now.getTime();
    fetch(freshnessUrl, {cache: "no-cache"}).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && data.built_at) { freshness = data; showFreshness(new Date()); }
    }).catch(function () { /* file:// or offline: the page says what it said before */ });
  }

  function showFreshness(now) {
    if (!freshness) return;
    var built = new Date(freshness.built_at), main = document.querySelector("main");
    var stale = freshness.stale_at !== null && now >= Date.parse(freshness.stale_at);
    var notice = document.getElementById("stale-notice");
    if (stale && main) {
      if (!notice) {
        notice = document.createElement("p");
        notice.id = "stale-notice";
        notice.className = "stale";
        notice.setAttribute("role", "status");
        main.insertBefore(notice, main.firstChild);
      }
      notice.textContent = "\u26A0\uFE0E " + fill(TEXT.stale, {relative: formatRelative(built, now, "always"),
        time: formatAbsolute(built)});
    } else if (notice) {
      notice.parentNode.removeChild(notice);
    }
    var asof = document.querySelector(".asof");
    if (asof) {
      var checked = asof.querySelector(".built");
      if (!checked) {
        checked = document.createElement("span");
        checked.className = "built";
        asof.appendChild(checked);
      }
      checked.textContent = " \u00B7 " + fill(TEXT.built, {relative: formatRelative(built, now)});
    }
  }

  function refresh(now) {
    now = now || new Date();
    applySchedule(now);
    flipMaintenance(now);
    localiseTimes(now);
    nameZone();
    showFreshness(now);
    loadFreshness(now);
  }

  /* An uptime bar item covering several days (their count in its h, t and u classes) gets a box
     per day, laid out like the single days around it, so each day lands on whole pixels; without
     script the style sheet's stripes stand in. Purely visual: the item's words are unchanged. */
  function drawDays() {
    var scale = {h: 100, t: 10, u: 1}, items = document.querySelectorAll(".bars>li");
    for (var i = 0; i < items.length; i++) {
      var days = 0;
      for (var c = 0; c < items[i].classList.length; c++) {
        var name = items[i].classList[c];
        if (/^[htu][0-9]$/.test(name)) days += scale[name.charAt(0)] * Number(name.charAt(1));
      }
      if (days < 2 || items[i].classList.contains("b-n")) continue;
      for (var k = 0; k < days; k++) items[i].appendChild(document.createElement("b"));
      items[i].classList.add("days");
    }
  }
  drawDays();

  /* Day details: a tap opens a day's details (a second tap follows the link, to the day on the
     component page); Escape hides them. Hover and keyboard focus need no script (CSS). */
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".bars a.day") : null, day = link && link.parentNode;
    var open = document.querySelectorAll(".bars li.open");
    for (var i = 0; i < open.length; i++) if (open[i] !== day) open[i].classList.remove("open");
    if (day && event.pointerType === "touch" && !day.classList.contains("open")) {
      event.preventDefault();
      day.classList.add("open");
      day.classList.remove("shut");
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var days = document.querySelectorAll(".bars li.open, .bars li:focus-within, .bars li:hover");
    for (var i = 0; i < days.length; i++) { days[i].classList.remove("open"); days[i].classList.add("shut"); }
  });
  document.addEventListener("focusin", function (event) {
    var day = event.target.closest ? event.target.closest(".bars>li") : null;
    if (day && !day.contains(event.relatedTarget)) day.classList.remove("shut");
  });
  document.addEventListener("mouseover", function (event) {
    var day = event.target.closest ? event.target.closest(".bars>li.shut") : null;
    if (day && !day.contains(event.relatedTarget)) day.classList.remove("shut");
  });

  window.statusgen = {refresh: refresh, formatRelative: formatRelative, maintenanceState: maintenanceState,
    freshness: function () { return freshness; }};
  refresh();
  setInterval(function () { refresh(); }, 15000);
})();
