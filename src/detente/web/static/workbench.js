// detente workbench: clicking a number in the stances table fills in the edit form.
// No framework; htmx (vendored) does the requests. No inline script: the page's CSP forbids it.
"use strict";
document.addEventListener("click", function (event) {
  var cell = event.target.closest("button.cell");
  if (!cell) { return; }
  var set = function (id, value) { var el = document.getElementById(id); if (el) { el.value = value; } };
  set("f-actor", cell.dataset.actor);
  set("f-issue", cell.dataset.issue);
  set("f-field", cell.dataset.field);
  set("f-value", cell.dataset.value);
  var value = document.getElementById("f-value");
  if (value) { value.focus(); value.select(); }
});
