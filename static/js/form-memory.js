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

  // A page the server has just answered shows the answers as it read them (全角 digits
  // made half-width...): keep those. What was typed since is restored on a reload, and on
  // the form's first page when the address is opened again in this tab.
  function reloaded() {
    var entry = window.performance && performance.getEntriesByType
      ? performance.getEntriesByType("navigation")[0] : null;
    return Boolean(entry && (entry.type === "reload" || entry.type === "back_forward"));
  }

  function restore() {
    var kept = read();
    if (!kept || !kept.values) return false;
    var fresh = form.hasAttribute("data-fresh");
    if (!fresh && !reloaded()) return false;
    if (kept.token !== token.value) {
      if (!fresh) return false;  // another filled-in form's answers
      token.value = kept.token;  // the same application, continued
    }
    answerInputs().forEach(function (node) {
      var values = kept.values[node.name];
      if (!values) return;
      if (node.type === "checkbox" || node.type === "radio") node.checked = values.indexOf(node.value) >= 0;
      else node.value = values[0] || "";
    });
    return true;
  }

  if (!restore()) save();
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.value === "submit") store.removeItem(key);
    else save();
  });
})();
