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

  // A link that stands in for a button without JavaScript (it leads to a plain page) becomes
  // a real <button> here, so the keyboard (Space) and screen readers treat it as one.
  function linkToButton(link) {
    var button = document.createElement("button");
    button.type = "button";
    Array.prototype.forEach.call(link.attributes, function (attribute) {
      if (attribute.name !== "href") button.setAttribute(attribute.name, attribute.value);
    });
    button.setAttribute("data-href", link.getAttribute("href"));
    if (!link.classList.contains("button")) button.classList.add("link-button");
    while (link.firstChild) button.appendChild(link.firstChild);
    link.replaceWith(button);
    return button;
  }

  // Dialogs: a link with data-open-dialog becomes a button that opens the <dialog> instead
  // of the link's confirmation page.
  document.querySelectorAll("a[data-open-dialog]").forEach(function (link) {
    var dialog = document.getElementById(link.getAttribute("data-open-dialog"));
    if (dialog && typeof dialog.showModal === "function") linkToButton(link);
  });
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

  // Report rows: the request link (its worklog page without JavaScript) becomes a disclosure
  // button that loads the lines into the row below it.
  document.querySelectorAll("a[data-expand]").forEach(function (link) {
    var row = document.getElementById(link.getAttribute("data-expand"));
    if (!row) return;
    var button = linkToButton(link);
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", row.id);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-expand]");
    if (!button) return;
    var row = document.getElementById(button.getAttribute("aria-controls"));
    if (!row) return;
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
    row.hidden = open;
    var cell = row.querySelector("td");
    if (open || cell.getAttribute("data-loaded")) return;
    cell.textContent = "Loading…";
    fetch(button.getAttribute("data-href"), {
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        cell.innerHTML = html;
        cell.setAttribute("data-loaded", "1");
      })
      .catch(function () {
        var link = document.createElement("a");
        link.href = button.getAttribute("data-href");
        link.textContent = "Open the request to see them.";
        cell.textContent = "The worklogs could not be loaded. ";
        cell.appendChild(link);
      });
  });

  // Custom period: the preset leads to the dates; its link only scrolls there without this.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-focus]");
    var field = link && document.getElementById(link.getAttribute("data-focus"));
    if (!field) return;
    event.preventDefault();
    field.focus();
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
