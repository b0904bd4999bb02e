// Progressive enhancement for the dashboard. Every page works without this script:
// confirmations fall back to their own pages, the permission matrix is simply always shown.
(function () {
  "use strict";

  // Copy the one-time secret.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      var text = source.textContent.trim();
      var done = function () {
        button.textContent = "Copied";
        window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
      } else {
        selectText(source);
        try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
      }
    });
  });

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // Confirm regenerate and delete in a native dialog instead of a separate page.
  var dialog = document.getElementById("confirm-dialog");
  if (dialog && typeof dialog.showModal === "function") {
    var form = dialog.querySelector("form");
    var title = dialog.querySelector("h2");
    var body = dialog.querySelector(".dialog-body");
    var submit = dialog.querySelector("button[type=submit]");
    document.querySelectorAll("[data-confirm]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        form.setAttribute("action", link.getAttribute("data-action"));
        title.textContent = link.getAttribute("data-title");
        body.textContent = link.getAttribute("data-body");
        submit.textContent = link.getAttribute("data-button");
        submit.className = "button " + (link.hasAttribute("data-danger") ? "danger" : "primary");
        dialog.showModal();
      });
    });
    dialog.querySelectorAll("[data-close-dialog]").forEach(function (button) {
      button.addEventListener("click", function () { dialog.close(); });
    });
  }

  // Ask before destructive inline forms (remove member, remove content type).
  document.querySelectorAll("form[data-confirm-submit]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm-submit"))) event.preventDefault();
    });
  });

  // Show the permission matrix only for custom tokens, with a select-all per content type.
  var matrix = document.getElementById("permission-matrix");
  if (matrix) {
    var radios = document.querySelectorAll("input[name=token_type]");
    var sync = function () {
      var custom = document.getElementById("type-custom");
      matrix.hidden = !(custom && custom.checked);
    };
    radios.forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
    matrix.querySelectorAll("[data-matrix-row]").forEach(function (row) {
      var all = row.querySelector("[data-select-all]");
      var boxes = row.querySelectorAll("input[name=permissions]");
      var refresh = function () {
        var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
        all.checked = checked === boxes.length;
        all.indeterminate = checked > 0 && checked < boxes.length;
      };
      all.closest("label").hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        refresh();
      });
      boxes.forEach(function (b) { b.addEventListener("change", refresh); });
      refresh();
    });
  }
})();
