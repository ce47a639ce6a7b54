// Display conditions: questions and sections appear and disappear as earlier answers
// change, without a reload. The rules come from the server (#form-conditions); the server
// applies the same rules again and ignores anything sent for a hidden question. A hidden
// item's inputs are disabled, so they are not sent; each change is announced.
(function () {
  var data = document.getElementById("form-conditions");
  var form = document.getElementById("public-form");
  if (!data || !form) return;
  var config = JSON.parse(data.textContent);
  var rules = config.rules || {};
  var offPage = config.answers || {};
  var messages = config.messages || {};
  var status = document.getElementById("condition-status");
  // in the page's order: a rule only depends on questions above it
  var items = Array.prototype.slice.call(form.querySelectorAll("[data-condition]"));
  var DASHES = /[\u2010-\u2015\u2212\u30fc\uff0d\ufe63]/g;

  function text(value) { return (value || "").normalize("NFKC").trim(); }

  function number(value) {
    var t = text(value).replace(DASHES, "-").replace(/[, ]/g, "");
    if (t === "") return null;
    var n = Number(t);
    return isNaN(n) ? null : n;
  }

  function isoDate(value) {
    var m = text(value).match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/);
    if (!m) return null;
    return m[1] + "-" + ("0" + m[2]).slice(-2) + "-" + ("0" + m[3]).slice(-2);
  }

  function answer(key, kind) {
    var nodes = form.querySelectorAll('[name="f_' + key + '"]');
    if (!nodes.length) return Object.prototype.hasOwnProperty.call(offPage, key) ? offPage[key] : null;
    if (nodes[0].closest("[data-condition][hidden]")) return null;  // hidden: unanswered
    var list = Array.prototype.slice.call(nodes);
    if (kind === "multi") return list.filter(function (n) { return n.checked; }).map(function (n) { return n.value; });
    if (kind === "bool") return nodes[0].checked;
    if (nodes[0].type === "radio") {
      var chosen = list.filter(function (n) { return n.checked; })[0];
      return chosen ? chosen.value : null;
    }
    if (kind === "number") return number(nodes[0].value);
    if (kind === "date") return isoDate(nodes[0].value);
    var value = text(nodes[0].value);
    return value === "" ? null : value;
  }

  function same(kind, a, b) {
    if (kind === "number") return Number(a) === Number(b);
    return String(a) === String(b);
  }

  function filled(value) {
    return value !== null && value !== undefined && value !== "" && value !== false &&
      !(Array.isArray(value) && value.length === 0);
  }

  function holds(condition) {
    var kind = condition.kind, value = condition.value;
    var given = answer(condition.field, kind);
    if (condition.op === "never") return false;
    if (condition.op === "filled") return filled(given);
    if (kind === "multi") {
      given = given || [];
      if (condition.op === "eq") return given.indexOf(value) >= 0;
      if (condition.op === "ne") return given.indexOf(value) < 0;
      if (condition.op === "in") return given.some(function (g) { return value.indexOf(g) >= 0; });
      return false;
    }
    var answered = given !== null && given !== undefined && given !== "";
    if (condition.op === "eq") return answered && same(kind, given, value);
    if (condition.op === "ne") return !(answered && same(kind, given, value));
    if (condition.op === "in") return answered && value.some(function (v) { return same(kind, given, v); });
    if (!answered) return false;
    if (kind === "number") {
      return condition.op === "gt" ? Number(given) > Number(value) : Number(given) < Number(value);
    }
    return condition.op === "gt" ? String(given) > String(value) : String(given) < String(value);
  }

  function evaluate(rule) {
    if (!rule) return true;
    var results = rule.conditions.map(holds);
    return rule.mode === "any" ? results.some(Boolean) : results.every(Boolean);
  }

  function setShown(node, shown) {
    node.hidden = !shown;
    node.querySelectorAll("input, select, textarea").forEach(function (input) {
      input.disabled = !shown;
    });
  }

  function say(text) {
    if (!status || !text) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function message(name, label) {
    return (messages[name] || "").replace("%(label)s", label);
  }

  function update(trigger, initial) {
    var active = document.activeElement;
    var changes = [];
    items.forEach(function (node) {
      var spec = rules[node.dataset.condition];
      if (!spec) return;
      var wasShown = !node.hidden;
      var shown = evaluate(spec.rule);
      // always applied: a section shown again must not enable a hidden question inside it
      setShown(node, shown);
      if (!initial && shown !== wasShown) {
        var name = (spec.section ? "section_" : "") + (shown ? "shown" : "hidden");
        changes.push(message(name, spec.label));
      }
    });
    if (changes.length) say(changes.join(" "));
    // the focus never disappears with what was hidden: it goes back to the answer changed
    if (active && active !== document.body && active.closest("[data-condition][hidden]") && trigger) {
      trigger.focus();
    }
  }

  form.addEventListener("change", function (event) { update(event.target, false); });
  form.addEventListener("input", function (event) { update(event.target, false); });
  update(null, true);
  form.classList.add("has-conditions");
})();
