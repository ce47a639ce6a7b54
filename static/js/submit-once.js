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
    // the answers kept in this tab for a reload (form-memory.js) are not needed any more
    if (pressed && pressed.value === "submit" && form.dataset.forget) {
      try { window.sessionStorage.removeItem(form.dataset.forget); } catch (e) { /* none kept */ }
    }
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  });
});
