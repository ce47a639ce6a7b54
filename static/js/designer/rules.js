// The display-condition editor of the properties panel: "show this item only if" one or
// more earlier questions have certain answers. Writes the item's show_if:
//   {field, op, value}  or  {all: [...]} / {any: [...]}  (nothing: always shown).
// The comparisons offered come from the question's type (palette), the values from its
// choices; the server checks the rule again and its problems show on the item.
import { M, h, palette, state } from "./context.js";

// The questions placed before *key*, in order (sections are not questions).
export function earlierQuestions(key) {
  var out = [];
  var done = false;
  state.doc.fields.forEach(function (item) {
    if (done) return;
    if (item.key === key) { done = true; return; }
    if (item.type !== "section") { out.push(item); return; }
    item.fields.forEach(function (child) {
      if (done) return;
      if (child.key === key) { done = true; return; }
      out.push(child);
    });
  });
  return out.filter(function (q) { return palette[q.type] && (palette[q.type].condition_ops || []).length; });
}

export function conditionsOf(rule) {
  if (!rule) return { mode: "all", list: [] };
  if (rule.all) return { mode: "all", list: rule.all.slice() };
  if (rule.any) return { mode: "any", list: rule.any.slice() };
  return { mode: "all", list: [rule] };
}

function ruleFrom(mode, list) {
  if (!list.length) return "";
  if (list.length === 1) return list[0];
  var rule = {};
  rule[mode] = list;
  return rule;
}

function kindOf(question) {
  return (palette[question.type] || {}).condition_kind || "text";
}

// A sensible first value for a comparison on *question*.
function startValue(question, op) {
  var kind = kindOf(question);
  if (op === "filled") return undefined;
  if (kind === "bool") return true;
  if (kind === "choice" || kind === "multi") {
    var first = (question.choices || [])[0];
    if (!first) return op === "in" ? [] : "";
    return op === "in" ? [first.value] : first.value;
  }
  return op === "in" ? [] : "";
}

export function newCondition(question) {
  var op = palette[question.type].condition_ops[0][0];
  var condition = { field: question.key, op: op };
  var value = startValue(question, op);
  if (value !== undefined) condition.value = value;
  return condition;
}

export function rulesEditor(item, setting, id, describedBy, onChange) {
  var wrap = h("div", { class: "rule-editor", id: id, role: "group", "aria-describedby": describedBy || null });
  var current = conditionsOf(item[setting.name]);

  function save(focusId) {
    onChange(ruleFrom(current.mode, current.list));
    redraw(focusId);
  }

  function valueControl(condition, question, index) {
    var kind = kindOf(question);
    var valueId = id + "-value-" + index;
    var label = h("label", { class: "field-label", for: valueId, text: M.rule_value });
    if (condition.op === "filled") return null;
    if ((kind === "choice" || kind === "multi") && condition.op === "in") {
      var chosen = Array.isArray(condition.value) ? condition.value : [];
      var box = h("div", { class: "rule-values", role: "group", id: valueId, "aria-label": M.rule_value });
      (question.choices || []).forEach(function (c) {
        box.appendChild(h("label", { class: "inline-check" }, [
          h("input", { type: "checkbox", value: c.value, checked: chosen.indexOf(c.value) >= 0 ? true : null,
            onchange: function () {
              condition.value = Array.prototype.filter.call(box.querySelectorAll("input"), function (i) { return i.checked; })
                .map(function (i) { return i.value; });
              onChange(ruleFrom(current.mode, current.list));
            } }),
          document.createTextNode(" " + c.label),
        ]));
      });
      return h("div", {}, [h("p", { class: "field-label", text: M.rule_value }), box]);
    }
    if (kind === "choice" || kind === "multi" || kind === "bool") {
      var options = kind === "bool" ? [[true, M.rule_yes], [false, M.rule_no]]
        : (question.choices || []).map(function (c) { return [c.value, c.label]; });
      var select = h("select", { class: "input", id: valueId, onchange: function (e) {
        condition.value = kind === "bool" ? e.target.value === "true" : e.target.value;
        onChange(ruleFrom(current.mode, current.list));
      } });
      options.forEach(function (o) {
        select.appendChild(h("option", { value: String(o[0]), text: o[1], selected: condition.value === o[0] ? true : null }));
      });
      return h("div", {}, [label, select]);
    }
    var text = condition.op === "in" && Array.isArray(condition.value) ? condition.value.join("\n") : (condition.value === undefined ? "" : String(condition.value));
    var input = condition.op === "in"
      ? h("textarea", { class: "input input--area", rows: 3, id: valueId, "aria-describedby": valueId + "-help" })
      : h("input", { class: "input", id: valueId, type: kind === "date" ? "date" : "text",
        inputmode: kind === "number" ? "decimal" : null, value: text });
    if (condition.op === "in") input.value = text;
    input.addEventListener("input", function (e) {
      var raw = e.target.value;
      if (condition.op === "in") {
        condition.value = raw.split(/\r?\n/).map(function (s) { return s.trim(); }).filter(Boolean);
      } else {
        condition.value = raw.trim();
      }
      onChange(ruleFrom(current.mode, current.list));
    });
    return h("div", {}, [label, input,
      condition.op === "in" ? h("p", { class: "help", id: valueId + "-help", text: M.rule_values_help }) : null]);
  }

  function row(condition, index, questions) {
    var question = questions.filter(function (q) { return q.key === condition.field; })[0];
    var fieldId = id + "-field-" + index, opId = id + "-op-" + index;
    var fieldSelect = h("select", { class: "input", id: fieldId, onchange: function (e) {
      var chosen = questions.filter(function (q) { return q.key === e.target.value; })[0];
      current.list[index] = newCondition(chosen);
      save(fieldId);
    } });
    if (!question) fieldSelect.appendChild(h("option", { value: "", text: condition.field || M.none, selected: true }));
    questions.forEach(function (q) {
      fieldSelect.appendChild(h("option", { value: q.key, text: q.label || q.key, selected: q.key === condition.field ? true : null }));
    });
    var parts = [
      h("div", {}, [h("label", { class: "field-label", for: fieldId, text: M.rule_field }), fieldSelect]),
    ];
    if (question) {
      var opSelect = h("select", { class: "input", id: opId, onchange: function (e) {
        condition.op = e.target.value;
        var value = startValue(question, condition.op);
        if (value === undefined) delete condition.value; else condition.value = value;
        save(opId);
      } });
      palette[question.type].condition_ops.forEach(function (o) {
        opSelect.appendChild(h("option", { value: o[0], text: o[1], selected: o[0] === condition.op ? true : null }));
      });
      parts.push(h("div", {}, [h("label", { class: "field-label", for: opId, text: M.rule_op }), opSelect]));
      parts.push(valueControl(condition, question, index));
    }
    parts.push(h("div", { class: "button-row" }, [h("button", { type: "button", class: "button",
      text: M.rule_remove, "aria-label": M.rule_remove + M.colon + (question ? question.label : condition.field),
      onclick: function () { current.list.splice(index, 1); save(id + "-add"); } })]));
    return h("li", { class: "rule-row" }, parts);
  }

  function redraw(focusId) {
    wrap.textContent = "";
    var questions = earlierQuestions(item.key);
    if (!current.list.length) {
      wrap.appendChild(h("p", { class: "help", text: questions.length ? M.rule_none : M.rule_no_earlier }));
    }
    if (current.list.length > 1) {
      var modeId = id + "-mode";
      var mode = h("select", { class: "input", id: modeId, onchange: function (e) { current.mode = e.target.value; save(modeId); } }, [
        h("option", { value: "all", text: M.rule_mode_all, selected: current.mode === "all" ? true : null }),
        h("option", { value: "any", text: M.rule_mode_any, selected: current.mode === "any" ? true : null }),
      ]);
      wrap.appendChild(h("div", {}, [h("label", { class: "field-label", for: modeId, text: M.rule_mode }), mode]));
    }
    var list = h("ol", { class: "rule-rows" });
    current.list.forEach(function (condition, index) { list.appendChild(row(condition, index, questions)); });
    wrap.appendChild(list);
    if (questions.length) {
      wrap.appendChild(h("button", { type: "button", class: "button", id: id + "-add", text: M.rule_add, onclick: function () {
        current.list.push(newCondition(questions[questions.length - 1]));
        save(id + "-field-" + (current.list.length - 1));
      } }));
    }
    if (focusId) {
      var target = document.getElementById(focusId);
      if (target) target.focus();
    }
  }

  redraw();
  return wrap;
}
