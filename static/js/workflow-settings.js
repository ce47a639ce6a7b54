// The workflow settings page: reorder statuses by dragging (SortableJS) or with the
// arrow buttons, without a round trip. The hidden "row" inputs carry the order on save.
(function () {
  "use strict";
  var body = document.querySelector("[data-sortable-statuses]");
  if (!body) return;
  var announcement = document.getElementById("order-announcement");

  function label(row) {
    var input = row.querySelector("input.input");
    return (input && (input.value || input.placeholder)) || row.dataset.key;
  }

  function announce(row) {
    var rows = Array.prototype.slice.call(body.children);
    var template = body.dataset.announce || "{name}: {n} / {total}";
    announcement.textContent = template
      .replace("{name}", label(row))
      .replace("{n}", String(rows.indexOf(row) + 1))
      .replace("{total}", String(rows.length));
  }

  body.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move]");
    if (!button) return;
    event.preventDefault();
    var row = button.closest("tr");
    if (button.dataset.move === "up" && row.previousElementSibling) {
      body.insertBefore(row, row.previousElementSibling);
    } else if (button.dataset.move === "down" && row.nextElementSibling) {
      body.insertBefore(row.nextElementSibling, row);
    }
    button.focus();
    announce(row);
  });

  if (window.Sortable) {
    window.Sortable.create(body, {
      handle: ".drag-handle",
      animation: 150,
      onEnd: function (event) { announce(event.item); },
    });
  }
})();
