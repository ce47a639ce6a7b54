// Disable the buttons of a form once it is sent, so a double tap sends it once.
// The server also stores one record per form token, so this is a courtesy, not the guard.
document.querySelectorAll("form[data-once]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    var pressed = event.submitter;
    if (pressed && pressed.name) {
      var keep = document.createElement("input");
      keep.type = "hidden";
      keep.name = pressed.name;
      keep.value = pressed.value;
      form.appendChild(keep);
    }
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  });
});
