// Keeps what the applicant has typed in this browser tab (sessionStorage, never a cookie),
// so that a reload or a return to the form's address loses nothing. What is kept belongs to
// one filled-in form (its submission token) and is forgotten once the answers are sent.
(function () {
  var form = document.getElementById("public-form");
  if (!form || form.hasAttribute("data-preview")) return;
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) return;
  var key = "atsume:" + form.getAttribute("action");
  var token = form.querySelector('[name="submission_token"]');
  if (!token) return;

  function read() {
    try { return JSON.parse(store.getItem(key)); } catch (e) { return null; }
  }

  function answerInputs() {
    return Array.prototype.filter.call(form.elements, function (node) {
      return node.name && node.name.indexOf("f_") === 0 && node.type !== "hidden";
    });
  }

  function save() {
    var kept = read();
    if (!kept || kept.token !== token.value) kept = { token: token.value, values: {} };
    var values = {};
    answerInputs().forEach(function (node) {
      values[node.name] = values[node.name] || [];
      if (node.type === "checkbox" || node.type === "radio") {
        if (node.checked) values[node.name].push(node.value);
      } else {
        values[node.name].push(node.value);
      }
    });
    Object.keys(values).forEach(function (name) { kept.values[name] = values[name]; });
    try { store.setItem(key, JSON.stringify(kept)); } catch (e) { /* full: nothing kept */ }
  }

  function restore() {
    var kept = read();
    if (!kept || !kept.values) return;
    if (kept.token !== token.value) {
      if (!form.hasAttribute("data-fresh")) return;  // another filled-in form's answers
      token.value = kept.token;  // the same application, continued
    }
    answerInputs().forEach(function (node) {
      var values = kept.values[node.name];
      if (!values) return;
      if (node.type === "checkbox" || node.type === "radio") node.checked = values.indexOf(node.value) >= 0;
      else node.value = values[0] || "";
    });
  }

  restore();
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.value === "submit") store.removeItem(key);
    else save();
  });
})();
