// Progressive enhancement for the dashboard. Every page works without this script:
// confirmations fall back to their own pages, the permission matrix is simply always shown,
// the row menus are <details>, the secret is selected with a click, times are rendered by the
// server, the sort menu has its own button.
(function () {
  "use strict";

  var each = function (selector, root, fn) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  };

  // Copy the one-time secret: the button exists only when this script runs.
  each("[data-copy]", null, function (button) {
    button.hidden = false;
    var hint = document.querySelector(".no-script-hint");
    if (hint) hint.hidden = true;
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
    each("[data-confirm]", null, function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var menu = link.closest("details");
        if (menu) menu.open = false;
        form.setAttribute("action", link.getAttribute("data-action"));
        title.textContent = link.getAttribute("data-title");
        body.textContent = link.getAttribute("data-body");
        submit.textContent = link.getAttribute("data-button");
        submit.className = "button " + (link.hasAttribute("data-danger") ? "danger" : "primary");
        dialog.showModal();
      });
    });
    each("[data-close-dialog]", dialog, function (button) {
      button.addEventListener("click", function () { dialog.close(); });
    });
  }

  // One row menu open at a time; a click elsewhere or Escape closes it.
  var menus = document.querySelectorAll("details.row-menu, details.switcher");
  document.addEventListener("click", function (event) {
    Array.prototype.forEach.call(menus, function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    Array.prototype.forEach.call(menus, function (menu) {
      if (menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  });

  // Ask before destructive inline forms (remove member, remove content type).
  each("form[data-confirm-submit]", null, function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm-submit"))) event.preventDefault();
    });
  });

  // The sort menu applies itself on a phone; its button is for pages without this script.
  each("form[data-autosubmit]", null, function (form) {
    var button = form.querySelector("[data-autosubmit-button]");
    if (button) button.hidden = true;
    form.querySelector("select").addEventListener("change", function () { form.submit(); });
  });

  // A whole secret pasted into the search is sent as its hint: the secret never enters the
  // URL, the history or a log.
  each("[data-token-search]", null, function (input) {
    input.form.addEventListener("submit", function () {
      var value = input.value.trim();
      if (/^lk_[A-Za-z0-9]{40,}$/.test(value)) input.value = "lk_\u2026" + value.slice(-4);
    });
  });

  // The permission matrix: only for custom tokens; select all, per row, and a count.
  var matrix = document.getElementById("permission-matrix");
  if (matrix) {
    var sync = function () {
      var custom = document.getElementById("type-custom");
      matrix.hidden = !(custom && custom.checked);
    };
    each("input[name=token_type]", null, function (radio) { radio.addEventListener("change", sync); });
    sync();
    var boxes = matrix.querySelectorAll("input[name=permissions]");
    var everything = matrix.querySelector("[data-select-everything]");
    var count = matrix.querySelector("[data-matrix-count]");
    var rows = [];
    var ticked = function (list) {
      return Array.prototype.filter.call(list, function (b) { return b.checked; }).length;
    };
    var tristate = function (box, checked, total) {
      box.checked = total > 0 && checked === total;
      box.indeterminate = checked > 0 && checked < total;
    };
    var refresh = function () {
      rows.forEach(function (row) { tristate(row.all, ticked(row.boxes), row.boxes.length); });
      var checked = ticked(boxes);
      if (everything) tristate(everything, checked, boxes.length);
      if (count) count.textContent = checked + " of " + boxes.length + " selected";
    };
    each("[data-matrix-row]", matrix, function (row) {
      var all = row.querySelector("[data-select-all]");
      var rowBoxes = row.querySelectorAll("input[name=permissions]");
      all.closest("label").hidden = false;
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(rowBoxes, function (b) { b.checked = all.checked; });
        refresh();
      });
      rows.push({ all: all, boxes: rowBoxes });
    });
    if (everything) {
      everything.closest("label").hidden = false;
      everything.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes, function (b) { b.checked = everything.checked; });
        refresh();
      });
    }
    Array.prototype.forEach.call(boxes, function (b) { b.addEventListener("change", refresh); });
    refresh();
  }

  // The duration: the date field only for a custom date, and what the choice means.
  var durations = document.querySelector("[data-duration]");
  if (durations) {
    var custom = document.querySelector("[data-custom-date]");
    var date = custom && custom.querySelector("input");
    var preview = document.querySelector("[data-expiry-preview]");
    var update = function () {
      var chosen = durations.querySelector("input[name=duration]:checked");
      var isCustom = chosen && chosen.value === "custom";
      if (custom) custom.hidden = !isCustom;
      if (date) date.disabled = !isCustom;
      if (preview && chosen) preview.textContent = chosen.getAttribute("data-expires");
    };
    each("input[name=duration]", durations, function (radio) { radio.addEventListener("change", update); });
    update();
  }

  // After a refused submit, focus goes to the first field in error.
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid && document.querySelector("[data-error-summary]")) invalid.focus();

  // Relative times, kept current on a page left open (the same words as web::dates).
  var relative = function (at, now) {
    var seconds = Math.round((at - now) / 1000);
    var future = seconds > 0;
    var d = Math.abs(seconds);
    if (d < 45) return "just now";
    var count, unit;
    if (d < 45 * 60) { count = Math.max(1, Math.ceil(d / 60)); unit = "minute"; }
    else if (d < 22 * 3600) { count = Math.floor((d + 1800) / 3600); unit = "hour"; }
    else if (d < 26 * 86400) { count = Math.floor((d + 43200) / 86400); unit = "day"; }
    else if (d < 320 * 86400) { count = Math.floor((d + 15 * 86400) / (30 * 86400)); unit = "month"; }
    else { count = Math.floor((d + 182 * 86400) / (365 * 86400)); unit = "year"; }
    count = Math.max(1, count);
    var words = count + " " + unit + (count === 1 ? "" : "s");
    return future ? "in " + words : words + " ago";
  };
  // Worded here from the start too, so that the browser suite sees any drift between the two.
  var times = document.querySelectorAll("time[data-relative]");
  var reword = function () {
    var now = Date.now();
    Array.prototype.forEach.call(times, function (time) {
      var at = Date.parse(time.getAttribute("datetime"));
      if (!isNaN(at)) time.textContent = relative(at, now);
    });
  };
  if (times.length) {
    reword();
    window.setInterval(reword, 60000);
  }
})();
