// The properties panel of the selected item, generated from its type's settings (palette).
import { M, el, fmt, h, palette, state } from "./context.js";
import { itemByKey } from "./model.js";
import { refreshCard, select } from "./canvas.js";
import { scheduleSave, setSaveState } from "./save.js";
import { rulesEditor } from "./rules.js";

// ---------------------------------------------------------------- properties
export function settingProblem(key, name) {
  return state.problems.filter(function (p) { return p.key === key && p.setting === name; })
    .map(function (p) { return p.message; }).join(" ");
}

export function setValue(item, setting, value) {
  if (value === "" || value === null || value === undefined || (typeof value === "number" && isNaN(value))) {
    if (setting.name === "label") item.label = "";
    else delete item[setting.name];
  } else {
    item[setting.name] = value;
  }
  state.edits += 1;
  setSaveState("unsaved");
  scheduleSave();
  refreshCard(item);
  if (setting.widget === "choices") refreshChoiceDependents(item);
}

// Settings that offer the item's choices (the default) follow edits of the choice list.
export function refreshChoiceDependents(item) {
  var entry = palette[item.type];
  entry.settings.forEach(function (setting) {
    if (setting.widget !== "choice" && setting.widget !== "choice_multi") return;
    var old = document.getElementById("prop-" + setting.name);
    if (!old) return;
    var fresh = inputFor(item, setting, old.id, old.getAttribute("aria-describedby"));
    if (old.getAttribute("aria-labelledby")) fresh.setAttribute("aria-labelledby", old.getAttribute("aria-labelledby"));
    old.replaceWith(fresh);
  });
}

export function inputFor(item, setting, id, describedBy) {
  var value = item[setting.name];
  var common = { id: id, name: setting.name, "aria-describedby": describedBy || null,
    "aria-invalid": describedBy && describedBy.indexOf("-error") >= 0 ? "true" : null };
  switch (setting.widget) {
    case "checkbox":
      return h("input", Object.assign({ type: "checkbox", checked: value ? true : null,
        onchange: function (e) { setValue(item, setting, e.target.checked); } }, common));
    case "textarea":
      return h("textarea", Object.assign({ class: "input input--area", rows: 3,
        oninput: function (e) { setValue(item, setting, e.target.value); } }, common), [document.createTextNode(value || "")]);
    case "integer":
    case "number":
      return h("input", Object.assign({ class: "input", type: "text",
        inputmode: setting.widget === "integer" ? "numeric" : "decimal",
        placeholder: setting.default === undefined ? null : String(setting.default),
        value: value === undefined || value === null ? "" : String(value),
        oninput: function (e) {
          var text = e.target.value.trim().replace(/[０-９．－]/g, function (c) {
            return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
          });
          setValue(item, setting, text === "" ? "" : Number(text));
        } }, common));
    case "date":
      return h("input", Object.assign({ class: "input", type: "date", value: value || "",
        oninput: function (e) { setValue(item, setting, e.target.value); } }, common));
    case "select":
      var select = h("select", Object.assign({ class: "input",
        onchange: function (e) { setValue(item, setting, e.target.value); } }, common));
      setting.options.forEach(function (option) {
        select.appendChild(h("option", { value: option[0], selected: (value || "") === option[0] ? true : null, text: option[1] }));
      });
      return select;
    case "choice":
      var single = h("select", Object.assign({ class: "input",
        onchange: function (e) { setValue(item, setting, e.target.value); } }, common));
      single.appendChild(h("option", { value: "", text: M.none }));
      (item.choices || []).forEach(function (c) {
        single.appendChild(h("option", { value: c.value, selected: value === c.value ? true : null, text: c.label }));
      });
      return single;
    case "choice_multi":
      var box = h("div", Object.assign({ class: "choice-defaults", role: "group" }, common));
      (item.choices || []).forEach(function (c) {
        box.appendChild(h("label", { class: "inline-check" }, [
          h("input", { type: "checkbox", value: c.value, checked: (value || []).indexOf(c.value) >= 0 ? true : null,
            onchange: function () {
              var chosen = Array.prototype.filter.call(box.querySelectorAll("input"), function (i) { return i.checked; })
                .map(function (i) { return i.value; });
              setValue(item, setting, chosen.length ? chosen : "");
            } }),
          document.createTextNode(" " + c.label),
        ]));
      });
      return box;
    case "options_multi":
      // several of a fixed list (the kinds of file an attachment item accepts)
      var chosenNow = value || (setting.default_list || []);
      var group = h("div", Object.assign({ class: "choice-defaults", role: "group" }, common));
      setting.options.forEach(function (option) {
        group.appendChild(h("label", { class: "inline-check" }, [
          h("input", { type: "checkbox", value: option[0], checked: chosenNow.indexOf(option[0]) >= 0 ? true : null,
            onchange: function () {
              var chosen = Array.prototype.filter.call(group.querySelectorAll("input"), function (i) { return i.checked; })
                .map(function (i) { return i.value; });
              setValue(item, setting, chosen.length ? chosen : "");
            } }),
          document.createTextNode(" " + option[1]),
        ]));
      });
      return group;
    case "choices":
      return choicesEditor(item, setting, id, describedBy);
    case "conditions":
      return rulesEditor(item, setting, id, describedBy, function (rule) { setValue(item, setting, rule); });
    default:
      return h("input", Object.assign({ class: "input", type: "text", value: value || "",
        oninput: function (e) { setValue(item, setting, e.target.value); } }, common));
  }
}

// One choice's label: a box that grows to show all of a long label, on several lines.
// A label is one line of text, so Enter (and a pasted line break) does not break it.
function choiceBox(id, choice, onChange) {
  var box = h("textarea", { class: "input input--choice", id: id, rows: 1,
    onkeydown: function (e) { if (e.key === "Enter" && !e.isComposing) e.preventDefault(); },
    oninput: function (e) {
      if (/[\r\n]/.test(e.target.value)) e.target.value = e.target.value.replace(/\s*[\r\n]+\s*/g, " ");
      choice.label = e.target.value;
      onChange();
    } });
  box.value = choice.label;
  return box;
}

// One choice's seats: a whole number of 1 or more, or empty for no limit.
function seatsBox(id, choice, onChange) {
  return h("input", { class: "input input--seats", id: id, type: "text", inputmode: "numeric",
    placeholder: M.seats, "aria-label": fmt(M.choice_seats, { label: choice.label }),
    value: choice.capacity === undefined || choice.capacity === null ? "" : String(choice.capacity),
    oninput: function (e) {
      var text = e.target.value.trim().replace(/[０-９]/g, function (c) {
        return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
      });
      if (text === "") delete choice.capacity;
      else if (/^[0-9]+$/.test(text)) choice.capacity = Number(text);
      else choice.capacity = text;  // the server explains what is wrong
      onChange();
    } });
}

export function choicesEditor(item, setting, id, describedBy) {
  var wrap = h("div", { class: "choices-editor", id: id, role: "group", "aria-describedby": describedBy || null });
  // focusIndex: the row to focus afterwards; part: "up" or "down" (that button of the row),
  // "select" (its text, selected so that typing replaces it) or nothing (its text box).
  function redraw(focusIndex, part) {
    wrap.textContent = "";
    var list = h("ol", { class: "choice-rows" });
    (item.choices || []).forEach(function (choice, index) {
      var rowId = id + "-" + index;
      list.appendChild(h("li", { class: "choice-row" }, [
        h("label", { for: rowId, class: "visually-hidden", text: fmt(M.choice_label, { n: index + 1 }) }),
        choiceBox(rowId, choice, function () { setValue(item, setting, item.choices); }),
        setting.seats ? seatsBox(rowId + "-seats", choice, function () { setValue(item, setting, item.choices); }) : null,
        h("button", { type: "button", class: "icon-button", "data-action": "up", "aria-label": M.move_up + M.colon + choice.label, text: "↑", disabled: index === 0 ? true : null,
          onclick: function () { swap(index, index - 1); } }),
        h("button", { type: "button", class: "icon-button", "data-action": "down", "aria-label": M.move_down + M.colon + choice.label, text: "↓", disabled: index === item.choices.length - 1 ? true : null,
          onclick: function () { swap(index, index + 1); } }),
        h("button", { type: "button", class: "icon-button icon-button--danger", "aria-label": M.delete + M.colon + choice.label, text: "✕",
          onclick: function () { item.choices.splice(index, 1); setValue(item, setting, item.choices); redraw(Math.max(0, index - 1)); } }),
      ]));
    });
    wrap.appendChild(list);
    if (setting.seats) wrap.appendChild(h("p", { class: "help", id: id + "-seats-help", text: M.seats_help }));
    var paste = h("textarea", { class: "input input--area", rows: 5, id: id + "-paste", "aria-describedby": id + "-paste-help" });
    var pastePanel = h("div", { class: "choices-paste", hidden: true }, [
      h("label", { for: id + "-paste", class: "field-label", text: M.choices_paste }),
      h("p", { class: "help", id: id + "-paste-help", text: M.choices_paste_help }),
      paste,
      h("button", { type: "button", class: "button", text: M.choices_apply, onclick: function () {
        var old = {};
        (item.choices || []).forEach(function (c) { old[c.label] = c.value; });
        var seen = {};
        var choices = [];
        paste.value.split(/\r?\n/).map(function (line) { return line.trim(); })
          .filter(function (line) { if (!line || seen[line]) return false; seen[line] = true; return true; })
          .forEach(function (line) {
            // a new value must differ from the old ones and from those given just before
            var value = old[line] || freshChoiceValue({ choices: (item.choices || []).concat(choices) });
            choices.push({ value: value, label: line });
          });
        item.choices = choices;
        setValue(item, setting, item.choices);
        redraw(0);
      } }),
    ]);
    wrap.appendChild(h("div", { class: "button-row" }, [
      h("button", { type: "button", class: "button", text: M.choices_add, onclick: function () {
        item.choices = item.choices || [];
        item.choices.push({ value: freshChoiceValue(item), label: fmt(M.choice_label, { n: item.choices.length + 1 }) });
        setValue(item, setting, item.choices);
        redraw(item.choices.length - 1, "select");
      } }),
      h("button", { type: "button", class: "button", "aria-expanded": "false", text: M.choices_paste, onclick: function (e) {
        pastePanel.hidden = !pastePanel.hidden;
        e.target.setAttribute("aria-expanded", pastePanel.hidden ? "false" : "true");
        paste.value = (item.choices || []).map(function (c) { return c.label; }).join("\n");
        if (!pastePanel.hidden) paste.focus();
      } }),
    ]));
    wrap.appendChild(pastePanel);
    if (focusIndex !== undefined) {
      var row = wrap.querySelectorAll(".choice-row")[focusIndex];
      var target = row && (part === "up" || part === "down") ? row.querySelector("[data-action='" + part + "']") : null;
      if (!target || target.disabled) target = row ? row.querySelector(".input") : wrap.querySelector(".button-row .button");
      target.focus();
      if (part === "select" && target.select) target.select();
    }
  }
  function swap(a, b) {
    var tmp = item.choices[a]; item.choices[a] = item.choices[b]; item.choices[b] = tmp;
    setValue(item, setting, item.choices);
    redraw(b, b < a ? "up" : "down");
  }
  redraw();
  return wrap;
}

// A random value, never a reused one: answers already stored under a deleted choice
// must not be shown under a new choice's label.
export function freshChoiceValue(item) {
  var used = {};
  (item.choices || []).forEach(function (c) { used[c.value] = true; });
  var value;
  do { value = "c_" + Math.random().toString(16).slice(2, 8); } while (used[value] || value.length < 8);
  return value;
}

export function renderProperties() {
  el.props.textContent = "";
  var item = state.selected ? itemByKey(state.selected) : null;
  if (!item) {
    el.props.appendChild(h("p", { class: "muted", text: M.select_item }));
    return;
  }
  var entry = palette[item.type];
  el.props.appendChild(h("p", { class: "props-type", text: entry ? entry.label : item.type }));
  if (!entry) return;
  var basic = h("div", { class: "props-group" });
  var advanced = h("details", { class: "props-advanced" }, [h("summary", { text: M.advanced })]);
  entry.settings.forEach(function (setting) {
    var id = "prop-" + setting.name;
    var problem = settingProblem(item.key, setting.name);
    var describedBy = problem ? id + "-error" : null;
    var control = inputFor(item, setting, id, describedBy);
    var row;
    if (setting.widget === "checkbox") {
      row = h("div", { class: "prop prop--check" + (problem ? " field--error" : "") }, [
        problem ? h("p", { class: "field-error", id: id + "-error", text: problem }) : null,
        h("label", { class: "inline-check" }, [control, document.createTextNode(" " + setting.label)]),
      ]);
    } else {
      var isGroup = ["choices", "choice_multi", "conditions", "options_multi"].indexOf(setting.widget) >= 0;
      row = h("div", { class: "prop" + (problem ? " field--error" : "") }, [
        isGroup ? h("p", { class: "field-label", id: id + "-label", text: setting.label })
          : h("label", { class: "field-label", for: id, text: setting.label }),
        problem ? h("p", { class: "field-error", id: id + "-error", text: problem }) : null,
        control,
      ]);
      if (isGroup) control.setAttribute("aria-labelledby", id + "-label");
    }
    (setting.advanced ? advanced : basic).appendChild(row);
  });
  el.props.appendChild(basic);
  if (advanced.children.length > 1) el.props.appendChild(advanced);
  var general = state.problems.filter(function (p) { return p.key === item.key && !p.setting; });
  general.forEach(function (p) { el.props.appendChild(h("p", { class: "field-error", text: p.message })); });
}
