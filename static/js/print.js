// Print buttons: any element with data-print opens the browser's print dialogue
// (A4; the print style sheet hides navigation and buttons).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
