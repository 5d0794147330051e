// Copy buttons: <button data-copy-target="ID"> copies the text of element #ID to the
// clipboard and reports the outcome in the page's [data-copy-status] element.
(function () {
  "use strict";

  function report(text) {
    var status = document.querySelector("[data-copy-status]");
    if (status) {
      status.textContent = text;
    }
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) {
      return;
    }
    var text = source.textContent.trim();
    if (!navigator.clipboard) {
      selectText(source);
      report("Selected: press Ctrl+C (⌘C on a Mac) to copy.");
      return;
    }
    navigator.clipboard.writeText(text).then(
      function () {
        report("Copied to the clipboard.");
      },
      function () {
        selectText(source);
        report("Could not copy automatically: the token is selected, press Ctrl+C (⌘C) to copy.");
      }
    );
  });
})();
