// The public form page (also shown as the designer's preview).
(function () {
  // After a refused submit, take the reader to the list of problems.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // A preview shows the form as citizens see it, but sends nothing.
  document.querySelectorAll("form[data-preview]").forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  });

  // Enter in a box goes forward (next page, review, submit). Without this, the browser
  // would press the first button of the form in the page, which can be the language
  // switch in the header.
  var form = document.getElementById("public-form");
  if (!form) return;
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) return;
    if (!target.matches("input") || ["checkbox", "radio", "submit", "button"].indexOf(target.type) >= 0) return;
    var primary = form.querySelector(".actions .button--primary");
    if (!primary) return;
    event.preventDefault();
    primary.click();
  });
})();
