/* The Sync and Tempo backup tabs: while a sync or a backup is queued or running, fetch its
   status every few seconds and put it in place, so the result appears without a reload.
   The region names its status URL (data-status-url) and whether work is pending
   (data-pending). Without this file the page asks for a reload. */
(function () {
  "use strict";

  var region = document.querySelector("[data-status-url]");
  if (!region) return;
  var url = region.getAttribute("data-status-url");
  var INTERVAL_MS = 3000;
  var MAX_POLLS = 400; // 20 minutes; a longer sync leaves the "Reload this page" hint
  var MAX_FAILURES = 3;
  var polls = 0;
  var failures = 0;
  var shown = null;

  function setHint(text) {
    region.querySelectorAll("[data-reload-hint]").forEach(function (hint) {
      hint.textContent = text;
    });
  }

  function giveUp() {
    setHint("Reload this page to see its result.");
  }

  function schedule() {
    if (polls >= MAX_POLLS) return giveUp();
    setHint("This page shows its result when it ends.");
    window.setTimeout(poll, INTERVAL_MS);
  }

  function poll() {
    polls += 1;
    fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        if (status.html !== shown) {
          region.innerHTML = status.html;
          shown = status.html;
        }
        region.setAttribute("data-pending", status.pending ? "true" : "false");
        if (status.pending) schedule();
      })
      .catch(function () {
        failures += 1;
        if (failures < MAX_FAILURES) schedule();
        else giveUp();
      });
  }

  if (region.getAttribute("data-pending") === "true") schedule();
})();
