/* The live triage meeting page: step through items, follow the chair, stay current.
 *
 * Works on top of a page that is complete without it (every panel shown, every form posts).
 * - One item at a time: buttons, the agenda links, and the keys j / → (next) and k / ← (previous).
 *   Focus moves to the item's heading and a polite live region says where you are.
 * - The chair's moves are sent to the API (PUT .../current, with the X-CSRFToken header);
 *   others follow unless they untick "Follow the chair".
 * - Every few seconds the page asks GET /api/v1/meetings/<id>/state with If-None-Match: a 304
 *   costs nothing; on a change, only the items whose digest changed are fetched again.
 * - Forms marked data-enhance are sent with fetch; the answer is the item's panel, re-rendered.
 */
// The attendance form offers only the people who can attend for the agency chosen.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-person-select]"), function (people) {
    var agency = document.getElementById(people.dataset.agencyField);
    if (!agency) { return; }
    function narrow() {
      Array.prototype.forEach.call(people.options, function (option) {
        var fits = !option.dataset.agency || !agency.value || option.dataset.agency === agency.value;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) { people.value = ""; }
      });
    }
    agency.addEventListener("change", narrow);
    narrow();
  });
})();

(function () {
  "use strict";
  var root = document.querySelector("[data-meeting-live]");
  if (!root || !window.fetch) { return; }

  var POLL_MS = 3000;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var isChair = root.dataset.chair === "true";
  var panelsHolder = root.querySelector("[data-panels]");
  var navHolder = root.querySelector("[data-nav-holder]");
  var stepper = root.querySelector("[data-stepper]");
  var announce = root.querySelector("[data-announce]");
  var follow = root.querySelector("[data-follow]");
  var etag = null;
  var digests = {};
  var navSignature = null;
  var chairItem = root.dataset.chairItem;
  var current = root.dataset.currentItem || null;
  var stopped = false;

  function panels() { return Array.prototype.slice.call(root.querySelectorAll("[data-item-panel]")); }
  function ids() { return panels().map(function (p) { return p.dataset.itemPanel; }); }
  function panelFor(id) { return root.querySelector('[data-item-panel="' + id + '"]'); }
  function say(text) { if (announce) { announce.textContent = ""; window.setTimeout(function () { announce.textContent = text; }, 50); } }

  panels().forEach(function (p) { digests[p.dataset.itemPanel] = p.dataset.digest; });

  function show(id, options) {
    options = options || {};
    var list = ids();
    if (!list.length) { return; }
    if (list.indexOf(String(id)) < 0) { id = list[0]; }
    current = String(id);
    panels().forEach(function (p) { p.hidden = p.dataset.itemPanel !== current; });
    root.querySelectorAll("[data-nav-item]").forEach(function (li) {
      var on = li.dataset.navItem === current;
      li.classList.toggle("triage-agenda__item--current", on);
      var link = li.querySelector("a");
      if (on) { link.setAttribute("aria-current", "step"); } else { link.removeAttribute("aria-current"); }
    });
    var index = list.indexOf(current);
    var position = root.querySelector("[data-position]");
    if (position) { position.textContent = "Item " + (index + 1) + " of " + list.length; }
    root.querySelector("[data-prev]").disabled = index === 0;
    root.querySelector("[data-next]").disabled = index === list.length - 1;
    var panel = panelFor(current);
    var heading = panel.querySelector("h2");
    if (options.announce !== false) {
      say("Item " + (index + 1) + " of " + list.length + ": " + (heading ? heading.textContent.trim() : ""));
    }
    if (options.focus) { panel.focus({ preventScroll: true }); panel.scrollIntoView({ block: "start" }); }
    if (options.tell && isChair) { tellChairMoved(current); }
    if (history.replaceState) { history.replaceState(null, "", "#item-" + current); }
  }

  function step(delta) {
    var list = ids();
    var index = list.indexOf(current) + delta;
    if (index >= 0 && index < list.length) { show(list[index], { focus: true, tell: true }); }
  }

  function tellChairMoved(id) {
    fetch(root.dataset.currentUrl, {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ item_id: Number(id) })
    }).then(function (r) { if (r.ok) { chairItem = String(id); } });
  }

  // --- stepping ---------------------------------------------------------------------------
  var hasItems = !!stepper;  // an empty agenda has no stepper: the page reloads if items arrive
  if (hasItems) {
    stepper.hidden = false;
    root.querySelector("[data-prev]").addEventListener("click", function () { step(-1); });
    root.querySelector("[data-next]").addEventListener("click", function () { step(1); });
  }
  root.addEventListener("click", function (event) {
    var link = event.target.closest("[data-goto]");
    if (!link) { return; }
    event.preventDefault();
    show(link.dataset.goto, { focus: true, tell: true });
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable], summary")) { return; }
    if (!hasItems) { return; }
    if (event.key === "j" || event.key === "ArrowRight") { event.preventDefault(); step(1); }
    if (event.key === "k" || event.key === "ArrowLeft") { event.preventDefault(); step(-1); }
  });
  if (follow) {
    follow.addEventListener("change", function () { if (follow.checked && chairItem) { show(chairItem, { focus: false }); } });
  }
  var fromHash = (location.hash.match(/^#item-(\d+)$/) || [])[1];
  if (hasItems) { show(fromHash || current || chairItem, { announce: false }); }

  // --- forms --------------------------------------------------------------------------------
  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-enhance")) { return; }
    event.preventDefault();
    var panel = form.closest("[data-item-panel]");
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.text().then(function (html) { return { ok: response.ok, html: html }; }); })
      .then(function (answer) {
        var fresh = replacePanel(panel.dataset.itemPanel, answer.html, true);
        var focusTarget = fresh && (fresh.querySelector("[data-panel-errors]") || fresh.querySelector("[data-panel-message]"));
        if (focusTarget) { focusTarget.setAttribute("tabindex", "-1"); focusTarget.focus(); }
        poll();
      })
      .catch(function () { if (button) { button.disabled = false; } form.submit(); });
  });

  function replacePanel(id, html, force) {
    var old = panelFor(id);
    if (!old) { return null; }
    if (!force && old.contains(document.activeElement) && document.activeElement.matches("input, textarea, select")) {
      // Someone is typing here: refresh only what others recorded, keep their form as it is.
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var incoming = holder.querySelector("[data-item-panel]");
      ["contributions", "agreed", "actions"].forEach(function (part) {
        var from = incoming.querySelector('[data-part="' + part + '"]');
        var to = old.querySelector('[data-part="' + part + '"]');
        if (from && to) { to.innerHTML = from.innerHTML; }
      });
      incoming.querySelectorAll('input[type=hidden][name$="version"]').forEach(function (input) {
        var mine = old.querySelector('input[name="' + input.name + '"]');
        if (mine) { mine.value = input.value; }
      });
      old.dataset.digest = incoming.dataset.digest;
      digests[id] = incoming.dataset.digest;
      return old;
    }
    var wrapper = document.createElement("div");
    wrapper.innerHTML = html;
    var fresh = wrapper.querySelector("[data-item-panel]");
    if (!fresh) { return null; }
    fresh.hidden = old.hidden;
    old.replaceWith(fresh);
    digests[id] = fresh.dataset.digest;
    if (window.GOVUKFrontend && window.GOVUKFrontend.initAll) { window.GOVUKFrontend.initAll({ scope: fresh }); }
    return fresh;
  }

  function fetchPanel(id) {
    var url = root.dataset.panelUrl.replace(/\/items\/0\/panel$/, "/items/" + id + "/panel");
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; });
  }

  function refreshNav(items) {
    return fetch(root.dataset.navUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        navHolder.innerHTML = html;
        var have = ids();
        var loads = items.filter(function (it) { return have.indexOf(String(it.id)) < 0; }).map(function (it) {
          return fetchPanel(it.id).then(function (panelHtml) {
            if (!panelHtml) { return; }
            var wrapper = document.createElement("div");
            wrapper.innerHTML = panelHtml;
            var fresh = wrapper.querySelector("[data-item-panel]");
            fresh.hidden = true;
            panelsHolder.appendChild(fresh);
            digests[it.id] = fresh.dataset.digest;
          });
        });
        var keep = items.map(function (it) { return String(it.id); });
        panels().forEach(function (p) { if (keep.indexOf(p.dataset.itemPanel) < 0) { p.remove(); } });
        return Promise.all(loads).then(function () {
          // Panels in agenda order.
          keep.forEach(function (id) { var p = panelFor(id); if (p) { panelsHolder.appendChild(p); } });
          show(current, { announce: false });
        });
      });
  }

  // --- keeping current ----------------------------------------------------------------------
  function setBanner(text) {
    var banner = root.querySelector("[data-meeting-banner]");
    root.querySelector("[data-meeting-banner-text]").textContent = text;
    banner.hidden = false;
  }

  // Polling must not keep an unattended screen signed in for ever (every poll refreshes the
  // session's idle timeout), so it pauses after a while without a key press, click or touch.
  var IDLE_MS = 25 * 60 * 1000;
  var lastActivity = Date.now();
  var paused = false;
  ["keydown", "mousedown", "touchstart"].forEach(function (type) {
    document.addEventListener(type, function () {
      lastActivity = Date.now();
      if (paused && !stopped) { paused = false; hideBanner(); poll(); }
    }, { passive: true });
  });
  function hideBanner() {
    if (root.dataset.state === "open") { root.querySelector("[data-meeting-banner]").hidden = true; }
  }

  var timer = null;
  var inFlight = false;
  var again = false;
  function schedule() {
    if (stopped) { return; }
    if (Date.now() - lastActivity > IDLE_MS) {
      paused = true;
      setBanner("Live updates are paused because this screen has been idle. Press any key or click to carry on.");
      return;
    }
    timer = window.setTimeout(poll, POLL_MS);
  }

  function poll() {
    if (inFlight) { again = true; return; }
    if (timer) { window.clearTimeout(timer); timer = null; }
    inFlight = true;
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(root.dataset.stateUrl, { credentials: "same-origin", cache: "no-store", headers: headers })
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (response.status === 401) {
          stopped = true;
          setBanner("You have been signed out: sign in again to carry on.");
          return null;
        }
        if (response.status === 404) {
          stopped = true;
          setBanner("You can no longer see this meeting: your access has ended.");
          return null;
        }
        if (!response.ok) { return null; }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (state) { if (state) { return apply(state); } })
      .catch(function () { /* a dropped poll is retried on the next tick */ })
      .then(function () {
        inFlight = false;
        if (again) { again = false; poll(); } else { schedule(); }
      });
  }

  function apply(state) {
    var work = [];
    if (state.state !== root.dataset.state) {
      root.dataset.state = state.state;
      if (state.state === "closed") { setBanner("The meeting has closed. Items not reached carry over to the next meeting."); }
    }
    if (!hasItems) {
      if (state.items.length) { window.location.reload(); }
      return null;
    }
    var signature = state.items.map(function (it) { return it.id + ":" + it.state + ":" + (it.rag || ""); }).join(",");
    if (navSignature !== null && signature !== navSignature) { work.push(refreshNav(state.items)); }
    navSignature = signature;
    state.items.forEach(function (it) {
      if (digests[it.id] !== undefined && digests[it.id] !== it.digest) {
        work.push(fetchPanel(it.id).then(function (html) { if (html) { replacePanel(it.id, html, false); } }));
      }
    });
    var moved = state.current_item_id && String(state.current_item_id) !== String(chairItem);
    chairItem = state.current_item_id ? String(state.current_item_id) : chairItem;
    return Promise.all(work).then(function () {
      if (moved && !isChair && follow && follow.checked) { show(chairItem, { focus: false }); }
    });
  }

  // --- the decision clocks tick ---------------------------------------------------------------
  function plural(n, unit) { return n + " " + unit + (n === 1 ? "" : "s"); }
  function span(ms) {
    var minutes = Math.floor(ms / 60000), days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    minutes = minutes % 60;
    if (days) { return plural(days, "day") + (hours ? " " + plural(hours, "hour") : ""); }
    if (hours) { return plural(hours, "hour") + (minutes ? " " + plural(minutes, "minute") : ""); }
    return minutes ? plural(minutes, "minute") : "less than a minute";
  }
  window.setInterval(function () {
    root.querySelectorAll("[data-due]").forEach(function (el) {
      var left = Date.parse(el.dataset.due) - Date.now();
      el.textContent = left >= 0 ? span(left) + " left" : "overdue by " + span(-left);
    });
  }, 30000);

  poll();
})();
