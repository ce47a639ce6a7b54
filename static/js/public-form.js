// The public form page (also shown as the designer's preview).
(function () {
  // After a refused submit, take the reader to the list of problems.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // A preview shows the form as citizens see it, but sends nothing.
  document.querySelectorAll("form[data-preview]").forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  });
})();
