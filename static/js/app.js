/* Worklog Report: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Flags: the close button removes the flag.
  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-dismiss-flag]");
    if (close) {
      var flag = close.closest(".flag");
      if (flag) flag.remove();
    }
  });

  // Dialogs: a link with data-open-dialog opens the <dialog> instead of its fallback page.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.returnFocusTo = opener;
        dialog.showModal();
      }
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      closer.closest("dialog").close();
    }
  });
  document.addEventListener(
    "close",
    function (event) {
      var dialog = event.target;
      if (dialog.tagName === "DIALOG" && dialog.returnFocusTo) dialog.returnFocusTo.focus();
    },
    true
  );

  // Report rows: the request link expands its worklog lines in place (the link itself
  // opens them as a page without JavaScript).
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-expand]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    var row = document.getElementById(link.getAttribute("data-expand"));
    if (!row) return;
    event.preventDefault();
    var open = link.getAttribute("aria-expanded") === "true";
    link.setAttribute("aria-expanded", open ? "false" : "true");
    row.hidden = open;
    var cell = row.querySelector("td");
    if (open || cell.getAttribute("data-loaded")) return;
    cell.textContent = "Loading…";
    fetch(link.href, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        cell.innerHTML = html;
        cell.setAttribute("data-loaded", "1");
      })
      .catch(function () {
        cell.textContent = "The worklogs could not be loaded. Open the request to see them.";
      });
  });

  // A dialog the server sent open (a form with errors) becomes modal like any other. Without
  // JavaScript it simply stays open in the page.
  document.querySelectorAll("dialog[open][data-modal]").forEach(function (dialog) {
    if (typeof dialog.showModal !== "function") return;
    dialog.close();
    dialog.showModal();
  });

  // Contract forms: carry-over means something only for monthly contracts.
  function syncCarryOver(form) {
    var checkbox = form.querySelector("[data-carry-over]");
    var fixed = form.querySelector('input[name="type"][value="fixed"]');
    if (!checkbox || !fixed) return;
    checkbox.disabled = fixed.checked;
    if (fixed.checked) checkbox.checked = false;
  }
  document.querySelectorAll("form[data-contract-form]").forEach(syncCarryOver);
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-contract-form]");
    if (form && event.target.name === "type") syncCarryOver(form);
  });

  // Forms: a submit button marked data-once cannot send the same form twice.
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("[data-once]");
    if (button) {
      window.setTimeout(function () {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      }, 0);
    }
  });
})();
