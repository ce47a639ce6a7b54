// The records list's bulk bar: "select every row on this page", and how many are selected.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var all = document.querySelector("[data-select-all]");
  var counter = form.querySelector("[data-selected-count]");
  var template = form.dataset.selectedText || "({n})";

  function boxes() {
    return Array.prototype.slice.call(
      document.querySelectorAll('input[name="record"][form="bulk-form"]')
    );
  }

  function update() {
    var chosen = boxes().filter(function (box) { return box.checked; }).length;
    if (counter) counter.textContent = template.replace("{n}", String(chosen));
    if (all) {
      all.checked = chosen > 0 && chosen === boxes().length;
      all.indeterminate = chosen > 0 && chosen < boxes().length;
    }
  }

  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches('input[name="record"][form="bulk-form"]')) update();
  });
  update();
})();
