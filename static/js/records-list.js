// The records list: open a saved view as soon as it is picked, and let the column chooser
// be reordered by dragging (SortableJS). Without script both still work as plain forms.
(function () {
  "use strict";

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form.requestSubmit) {
        select.form.requestSubmit();
      } else {
        select.form.submit();
      }
    });
  });

  if (typeof window.Sortable === "undefined") {
    return;
  }
  document.querySelectorAll("[data-sortable]").forEach(function (list) {
    list.classList.add("column-list--draggable");
    window.Sortable.create(list, {
      handle: ".drag-handle",
      animation: 150,
      ghostClass: "column-item--moving",
    });
  });
})();
