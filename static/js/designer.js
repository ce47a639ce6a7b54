// The form designer: palette, canvas and properties panel over one draft document.
// Every change is made to the local document first, shown at once and saved in the
// background (whole document, or the new order after a drag). The server validates;
// its problems are shown next to the item and setting that caused them.
(function () {
  "use strict";

  var boot = JSON.parse(document.getElementById("designer-data").textContent);
  var M = boot.messages;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var palette = {};
  boot.palette.forEach(function (entry) { palette[entry.name] = entry; });

  var state = {
    doc: boot.document,
    revision: boot.form.revision,
    selected: null,
    edits: 0,        // local changes made
    savedEdits: 0,   // local changes the server has
    problems: [],
    conflict: false,
    undo: null,
  };

  var el = {
    root: document.getElementById("canvas-root"),
    empty: document.getElementById("canvas-empty"),
    palette: document.getElementById("palette-list"),
    props: document.getElementById("properties-body"),
    saveState: document.getElementById("save-state"),
    problems: document.getElementById("designer-problems"),
    announcer: document.getElementById("announcer"),
    toast: document.getElementById("toast"),
    heading: document.getElementById("designer-heading"),
    previewPane: document.getElementById("preview-pane"),
    previewToggle: document.getElementById("preview-toggle"),
    publishButton: document.getElementById("publish-button"),
    publishDialog: document.getElementById("publish-dialog"),
    publishBody: document.getElementById("publish-body"),
  };

  // ---------------------------------------------------------------- helpers
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)[sd]/g, function (_, name) { return values[name]; });
  }

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function announce(text) {
    el.announcer.textContent = "";
    window.setTimeout(function () { el.announcer.textContent = text; }, 30);
  }

  function newKey() {
    var taken = {};
    eachItem(function (item) { taken[item.key] = true; });
    var key;
    do {
      key = "f_" + Math.random().toString(16).slice(2, 8);
    } while (taken[key] || key.length < 8);
    return key;
  }

  function eachItem(fn) {
    state.doc.fields.forEach(function (item) {
      fn(item, null);
      if (item.type === "section") item.fields.forEach(function (child) { fn(child, item); });
    });
  }

  // Where an item is: {list, index, section}
  function locate(key) {
    var found = null;
    state.doc.fields.forEach(function (item, index) {
      if (item.key === key) found = { list: state.doc.fields, index: index, section: null };
      if (item.type === "section") {
        item.fields.forEach(function (child, childIndex) {
          if (child.key === key) found = { list: item.fields, index: childIndex, section: item };
        });
      }
    });
    return found;
  }

  function itemByKey(key) {
    var where = locate(key);
    return where ? where.list[where.index] : null;
  }

  function typeLabel(item) {
    var entry = palette[item.type];
    return entry ? entry.label : item.type;
  }

  function positionOf(key) {
    var n = 0, position = 0;
    eachItem(function (item) { n += 1; if (item.key === key) position = n; });
    return position;
  }

  // ---------------------------------------------------------------- changes
  function changed(options) {
    state.edits += 1;
    if (!options || options.render !== false) renderCanvas();
    if (!options || options.save !== false) scheduleSave();
    setSaveState("unsaved");
  }

  function addItem(type, container, index) {
    var entry = palette[type];
    var item = JSON.parse(JSON.stringify(entry.starter || {}));
    item.type = type;
    item.key = newKey();
    item.label = entry.label;
    if (type !== "section") item.required = false;
    var list = container ? itemByKey(container).fields : state.doc.fields;
    if (index === undefined || index === null) index = list.length;
    list.splice(index, 0, item);
    state.selected = item.key;
    changed();
    renderProperties();
    return item;
  }

  function addAtEnd(type) {
    var item = addItem(type, null, null);
    announce(fmt(M.added, { label: item.label }));
    focusItem(item.key);
  }

  function removeItem(key) {
    var where = locate(key);
    if (!where) return;
    var item = where.list.splice(where.index, 1)[0];
    var near = where.list[where.index] || where.list[where.index - 1] || where.section;
    state.undo = { item: item, section: where.section ? where.section.key : null, index: where.index,
      near: near ? near.key : null };
    if (state.selected === key) state.selected = null;
    changed();
    renderProperties();
    showToast(fmt(M.deleted, { label: item.label || M.untitled }), M.undo, undoDelete);
    announce(fmt(M.deleted, { label: item.label || M.untitled }));
    // The pressed button is gone with its item: the focus goes to "Undo" (and, when the
    // toast closes, to the item that took the deleted one's place).
    el.toast.querySelector("button").focus();
  }

  function undoDelete() {
    var undo = state.undo;
    if (!undo) return;
    var list = undo.section && itemByKey(undo.section) ? itemByKey(undo.section).fields : state.doc.fields;
    list.splice(Math.min(undo.index, list.length), 0, undo.item);
    state.undo = null;
    state.selected = undo.item.key;
    hideToast();
    changed();
    renderProperties();
    focusItem(undo.item.key);
  }

  function duplicateItem(key) {
    var where = locate(key);
    var copy = JSON.parse(JSON.stringify(where.list[where.index]));
    copy.key = newKey();
    copy.label = (copy.label || "") + M.copy_suffix;
    if (copy.type === "section") copy.fields.forEach(function (child) { child.key = newKey(); });
    where.list.splice(where.index + 1, 0, copy);
    state.selected = copy.key;
    changed();
    renderProperties();
    focusItem(copy.key);
  }

  // Move one step in reading order; a field steps into and out of sections on the way.
  function moveItem(key, step) {
    var where = locate(key);
    var item = where.list[where.index];
    var root = state.doc.fields;
    var target = where.index + step;
    if (where.section) {
      if (target < 0 || target >= where.list.length) {
        var sectionIndex = root.indexOf(where.section);
        where.list.splice(where.index, 1);
        root.splice(step < 0 ? sectionIndex : sectionIndex + 1, 0, item);
      } else {
        where.list.splice(where.index, 1);
        where.list.splice(target, 0, item);
      }
    } else {
      if (target < 0 || target >= root.length) return;
      var neighbour = root[target];
      root.splice(where.index, 1);
      if (neighbour.type === "section" && item.type !== "section") {
        if (step < 0) neighbour.fields.push(item); else neighbour.fields.unshift(item);
      } else {
        root.splice(target, 0, item);
      }
    }
    changed();
    announce(fmt(M.moved, { label: item.label || M.untitled, n: positionOf(key) }));
    focusItem(key, step < 0 ? "up" : "down");
  }

  function select(key) {
    state.selected = key;
    Array.prototype.forEach.call(document.querySelectorAll(".item"), function (node) {
      var on = node.dataset.key === key;
      node.classList.toggle("item--selected", on);
      var button = node.querySelector(":scope > .item-card .item-select");
      if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    renderProperties();
  }

  function focusItem(key, which) {
    var node = document.querySelector('.item[data-key="' + key + '"]');
    if (!node) return;
    var target = which ? node.querySelector(":scope > .item-card [data-action='" + which + "']") : null;
    if (!target || target.disabled) target = node.querySelector(":scope > .item-card .item-select");
    target.focus();
  }

  // ---------------------------------------------------------------- canvas
  var sortables = [];

  function problemsFor(key) {
    return state.problems.filter(function (p) { return p.key === key; });
  }

  var COPY_ICON = '<svg aria-hidden="true" width="18" height="18" viewBox="0 0 18 18" fill="none" ' +
    'stroke="currentColor" stroke-width="1.8"><rect x="6" y="6" width="9" height="9" rx="1.5"/>' +
    '<path d="M3 12V4.5A1.5 1.5 0 0 1 4.5 3H12"/></svg>';

  function copyButton(item) {
    var button = h("button", { type: "button", class: "icon-button", "data-action": "duplicate",
      "aria-label": M.duplicate + M.colon + (item.label || M.untitled), title: M.duplicate,
      onclick: function () { duplicateItem(item.key); } });
    button.innerHTML = COPY_ICON;
    return button;
  }

  function renderItem(item, section) {
    var selected = state.selected === item.key;
    var problems = problemsFor(item.key);
    var tools = h("div", { class: "item-tools" }, [
      h("button", { type: "button", class: "icon-button", "data-action": "up", "aria-label": M.move_up + M.colon + (item.label || M.untitled), title: M.move_up, text: "↑",
        onclick: function () { moveItem(item.key, -1); } }),
      h("button", { type: "button", class: "icon-button", "data-action": "down", "aria-label": M.move_down + M.colon + (item.label || M.untitled), title: M.move_down, text: "↓",
        onclick: function () { moveItem(item.key, 1); } }),
      copyButton(item),
      h("button", { type: "button", class: "icon-button icon-button--danger", "data-action": "delete", "aria-label": M.delete + M.colon + (item.label || M.untitled), title: M.delete, text: "✕",
        onclick: function () { removeItem(item.key); } }),
    ]);
    var card = h("div", { class: "item-card" }, [
      h("span", { class: "drag-handle", title: M.drag_handle, "aria-hidden": "true", text: "⠿" }),
      h("button", { type: "button", class: "item-select", "aria-pressed": selected ? "true" : "false",
        onclick: function (event) {
          select(item.key);
          if (event.detail === 0) {
            // Enter or Space: go straight to the settings (Escape comes back here)
            var first = el.props.querySelector("input, textarea, select");
            if (first) first.focus();
          } else if (window.innerWidth < 960) {
            document.getElementById("properties").scrollIntoView({ behavior: "smooth" });
          }
        } }, [
        h("span", { class: "item-type", text: typeLabel(item) }),
        h("span", { class: "item-label", text: item.label || M.untitled }),
        item.required ? h("span", { class: "required", text: M.required }) : null,
      ]),
      tools,
    ]);
    var node = h("li", { class: "item" + (item.type === "section" ? " item--section" : "") + (selected ? " item--selected" : "") + (problems.length ? " item--error" : ""), "data-key": item.key }, [card]);
    problems.forEach(function (p) {
      node.appendChild(h("p", { class: "item-error", text: (p.setting ? p.settingLabel + M.colon : "") + p.message }));
    });
    if (item.type === "section") {
      var list = h("ol", { class: "canvas-list section-list", "data-container": item.key, "data-empty": M.section_empty });
      item.fields.forEach(function (child) { list.appendChild(renderItem(child, item)); });
      node.appendChild(list);
    }
    return node;
  }

  function renderCanvas() {
    // Never rebuild the lists while SortableJS is dragging (a save answered mid-drag, or the
    // drop handlers themselves): destroying a Sortable ends the drag in progress, the drop is
    // lost and its ghost stays stuck on the screen. Render once the drag is over.
    window.clearTimeout(renderCanvas.later);
    if (Sortable.active) {
      renderCanvas.later = window.setTimeout(renderCanvas, 50);
      return;
    }
    sortables.forEach(function (s) { s.destroy(); });
    sortables = [];
    el.root.textContent = "";
    state.doc.fields.forEach(function (item) { el.root.appendChild(renderItem(item, null)); });
    el.empty.hidden = state.doc.fields.length > 0;
    // Disable steps that cannot happen (first item up, last item down).
    var first = el.root.querySelector(".item [data-action='up']");
    if (first) first.disabled = true;
    var items = el.root.querySelectorAll(":scope > .item");
    if (items.length) {
      var last = items[items.length - 1];
      if (!last.classList.contains("item--section") || !last.querySelector(".section-list .item")) {
        last.querySelector(":scope > .item-card [data-action='down']").disabled = true;
      }
    }
    el.heading.textContent = state.doc.title;
    makeSortable(el.root);
    Array.prototype.forEach.call(el.root.querySelectorAll(".section-list"), makeSortable);
  }

  function makeSortable(list) {
    sortables.push(Sortable.create(list, {
      group: {
        name: "form",
        pull: true,
        put: function (to, from, dragged) {
          // sections stay at the top level
          var type = dragged.dataset.type || (itemByKey(dragged.dataset.key) || {}).type;
          return to.el.dataset.container === "root" || type !== "section";
        },
      },
      handle: ".item-card",
      filter: ".item-tools, input, textarea, select",
      preventOnFilter: false,
      animation: 150,
      forceFallback: true,
      fallbackOnBody: true,
      delayOnTouchOnly: true,
      delay: 150,
      ghostClass: "item--ghost",
      onAdd: function (event) {
        var type = event.item.dataset.type;
        if (!type) return;  // a move between containers: handled in onEnd
        var container = event.to.dataset.container;
        event.item.remove();
        var item = addItem(type, container === "root" ? null : container, event.newIndex);
        announce(fmt(M.added_at, { label: item.label, n: positionOf(item.key) }));
      },
      onEnd: function (event) {
        if (event.from === event.to && event.oldIndex === event.newIndex) return;
        if (event.item.dataset.type) return;
        applyDomOrder(event.item.dataset.key);
      },
    }));
  }

  function domLayout() {
    var layout = { root: [] };
    Array.prototype.forEach.call(el.root.children, function (node) {
      if (!node.dataset.key) return;
      layout.root.push(node.dataset.key);
      var inner = node.querySelector(":scope > .section-list");
      if (inner) {
        layout[node.dataset.key] = Array.prototype.map.call(
          inner.querySelectorAll(":scope > .item"), function (child) { return child.dataset.key; });
      }
    });
    return layout;
  }

  function applyDomOrder(movedKey) {
    var layout = domLayout();
    var byKey = {};
    eachItem(function (item) { byKey[item.key] = item; });
    state.doc.fields = layout.root.map(function (key) {
      var item = byKey[key];
      if (item.type === "section") item.fields = (layout[key] || []).map(function (k) { return byKey[k]; });
      return item;
    });
    changed({ save: false });
    announce(fmt(M.moved, { label: (byKey[movedKey] || {}).label || M.untitled, n: positionOf(movedKey) }));
    enqueue(function () { return sendOrder(layout); });
  }

  // ---------------------------------------------------------------- palette
  function renderPalette() {
    boot.palette.forEach(function (entry) {
      el.palette.appendChild(h("li", { class: "palette-item", "data-type": entry.name }, [
        h("button", { type: "button", class: "palette-button", "data-icon": entry.icon }, [
          h("span", { class: "palette-icon", "aria-hidden": "true", text: "+" }),
          h("span", { text: entry.label }),
        ]),
      ]));
    });
    // One listener on the list: a drag leaves a copy of the entry in the palette (pull:
    // "clone"), and a copy does not carry the listeners of the element it was made from.
    el.palette.addEventListener("click", function (event) {
      var button = event.target.closest(".palette-button");
      if (button) addAtEnd(button.parentNode.dataset.type);
    });
    Sortable.create(el.palette, {
      group: { name: "form", pull: "clone", put: false },
      sort: false,
      forceFallback: true,
      fallbackOnBody: true,
      delayOnTouchOnly: true,
      delay: 150,
      animation: 150,
    });
  }

  // ---------------------------------------------------------------- properties
  function settingProblem(key, name) {
    return state.problems.filter(function (p) { return p.key === key && p.setting === name; })
      .map(function (p) { return p.message; }).join(" ");
  }

  function setValue(item, setting, value) {
    if (value === "" || value === null || value === undefined || (typeof value === "number" && isNaN(value))) {
      if (setting.name === "label") item.label = "";
      else delete item[setting.name];
    } else {
      item[setting.name] = value;
    }
    state.edits += 1;
    setSaveState("unsaved");
    scheduleSave();
    if (setting.name === "label" || setting.name === "required") refreshCard(item);
    if (setting.widget === "choices") refreshChoiceDependents(item);
  }

  // Settings that offer the item's choices (the default) follow edits of the choice list.
  function refreshChoiceDependents(item) {
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

  function refreshCard(item) {
    var node = document.querySelector('.item[data-key="' + item.key + '"] > .item-card');
    if (!node) return;
    node.querySelector(".item-label").textContent = item.label || M.untitled;
    var badge = node.querySelector(".required");
    if (item.required && !badge) node.querySelector(".item-select").appendChild(h("span", { class: "required", text: M.required }));
    if (!item.required && badge) badge.remove();
  }

  function inputFor(item, setting, id, describedBy) {
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
      case "choices":
        return choicesEditor(item, setting, id, describedBy);
      default:
        return h("input", Object.assign({ class: "input", type: "text", value: value || "",
          oninput: function (e) { setValue(item, setting, e.target.value); } }, common));
    }
  }

  function choicesEditor(item, setting, id, describedBy) {
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
          h("input", { class: "input", id: rowId, value: choice.label, oninput: function (e) {
            choice.label = e.target.value;
            setValue(item, setting, item.choices);
          } }),
          h("button", { type: "button", class: "icon-button", "data-action": "up", "aria-label": M.move_up + M.colon + choice.label, text: "↑", disabled: index === 0 ? true : null,
            onclick: function () { swap(index, index - 1); } }),
          h("button", { type: "button", class: "icon-button", "data-action": "down", "aria-label": M.move_down + M.colon + choice.label, text: "↓", disabled: index === item.choices.length - 1 ? true : null,
            onclick: function () { swap(index, index + 1); } }),
          h("button", { type: "button", class: "icon-button icon-button--danger", "aria-label": M.delete + M.colon + choice.label, text: "✕",
            onclick: function () { item.choices.splice(index, 1); setValue(item, setting, item.choices); redraw(Math.max(0, index - 1)); } }),
        ]));
      });
      wrap.appendChild(list);
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
  function freshChoiceValue(item) {
    var used = {};
    (item.choices || []).forEach(function (c) { used[c.value] = true; });
    var value;
    do { value = "c_" + Math.random().toString(16).slice(2, 8); } while (used[value] || value.length < 8);
    return value;
  }

  function renderProperties() {
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
        var isGroup = ["choices", "choice_multi"].indexOf(setting.widget) >= 0;
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

  // ---------------------------------------------------------------- saving
  var queue = Promise.resolve();
  var timer = null;

  function enqueue(task) {
    queue = queue.then(task, task);
    return queue;
  }

  function scheduleSave() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { enqueue(saveDocument); }, 700);
  }

  function flush() {
    window.clearTimeout(timer);
    return enqueue(saveDocument);
  }

  function setSaveState(name) {
    if (state.conflict) name = "conflict";  // nothing more is sent from this page: say so
    var text = { saved: M.saved, saving: M.saving, unsaved: M.unsaved, invalid: M.not_saved,
      conflict: M.conflict, offline: M.offline, expired: M.expired }[name];
    el.saveState.textContent = text;
    el.saveState.dataset.state = name;
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      credentials: "same-origin",
      redirect: "error",
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function handleSaveResponse(result, edits) {
    if (result.status === 200) {
      state.revision = result.data.form.revision;
      state.savedEdits = Math.max(state.savedEdits, edits);
      showProblems([]);
      if (state.savedEdits >= state.edits) setSaveState("saved");
      reloadPreview();
      return true;
    }
    if (result.status === 401 || (result.status === 400 && result.data.expired)) {
      setSaveState("expired");
      showProblems([{ message: result.data.error }]);
      return false;
    }
    if (result.status === 409) {
      state.conflict = true;
      setSaveState("conflict");
      showProblems([{ message: result.data.error }]);
      el.problems.appendChild(h("button", { type: "button", class: "button", text: M.reload,
        onclick: function () { window.location.reload(); } }));
      return false;
    }
    if (result.status === 422) {
      setSaveState("invalid");
      showProblems(result.data.problems || []);
      return false;
    }
    setSaveState("offline");
    window.setTimeout(scheduleSave, 3000);
    return false;
  }

  function saveDocument() {
    if (state.conflict || state.savedEdits >= state.edits) return Promise.resolve(true);
    var edits = state.edits;
    setSaveState("saving");
    return request("PUT", boot.urls.save, { document: state.doc, revision: state.revision })
      .then(function (result) { return handleSaveResponse(result, edits); },
        function () { setSaveState("offline"); window.setTimeout(scheduleSave, 3000); return false; });
  }

  function sendOrder(layout) {
    if (state.conflict) return Promise.resolve(false);
    if (state.savedEdits < state.edits - 1) {
      // other edits are waiting: the whole document carries the new order too
      return saveDocument();
    }
    var edits = state.edits;
    setSaveState("saving");
    return request("POST", boot.urls.order, { layout: layout, revision: state.revision })
      .then(function (result) {
        if (result.status === 400) return saveDocument();
        return handleSaveResponse(result, edits);
      }, function () { setSaveState("offline"); window.setTimeout(scheduleSave, 3000); return false; });
  }

  // Map server problems ("fields.2.choices") to items and settings.
  function showProblems(problems) {
    var hadProblems = state.problems.length > 0;
    state.problems = problems.map(function (p) {
      var parts = (p.path || "").split(".");
      var out = { message: p.message, where: p.where || "", key: null, setting: null };
      if (parts[0] === "fields" && parts.length > 1) {
        var item = state.doc.fields[Number(parts[1])];
        var rest = parts.slice(2);
        if (item && item.type === "section" && rest[0] === "fields" && rest.length > 1) {
          item = item.fields[Number(rest[1])];
          rest = rest.slice(2);
        }
        if (item) { out.key = item.key; out.setting = rest[0] || null; }
      }
      if (out.setting) {
        // people read the setting's label (最小値), not its name in the document (min)
        var entry = palette[itemByKey(out.key).type];
        var setting = entry && entry.settings.filter(function (s) { return s.name === out.setting; })[0];
        out.settingLabel = setting ? setting.label : out.setting;
        var tail = " › " + out.setting;
        if (out.where.slice(-tail.length) === tail) out.where = out.where.slice(0, -tail.length) + " › " + out.settingLabel;
      }
      return out;
    });
    el.problems.textContent = "";
    el.problems.hidden = state.problems.length === 0;
    if (state.problems.length) {
      var list = h("ul");
      state.problems.forEach(function (p) {
        var text = (p.where ? p.where + M.colon : "") + p.message;
        list.appendChild(h("li", {}, [p.key ? h("button", { type: "button", class: "link-button", text: text,
          onclick: function () { select(p.key); focusItem(p.key); } }) : h("span", { text: text })]));
      });
      el.problems.appendChild(h("p", { class: "problems-title", text: M.problems }));
      el.problems.appendChild(list);
    }
    // Every save ends here: redraw only when there are problems to show or to clear, as a
    // redraw replaces the box being typed in (and would end a Japanese IME conversion).
    if (hadProblems || state.problems.length) rerender();
  }

  // Redraw the canvas and the panel, keeping the focus (and the caret) where it was.
  function rerender() {
    var active = document.activeElement, where = null;
    if (active && active.id && el.props.contains(active)) {
      where = { id: active.id, start: active.selectionStart, end: active.selectionEnd };
    } else if (active && el.root.contains(active) && active.closest(".item")) {
      where = { key: active.closest(".item").dataset.key, action: active.dataset.action || null };
    }
    renderCanvas();
    renderProperties();
    if (!where) return;
    if (where.key) { focusItem(where.key, where.action); return; }
    var again = document.getElementById(where.id);
    if (!again) return;
    again.focus();
    if (typeof where.start === "number" && again.setSelectionRange) {
      try { again.setSelectionRange(where.start, where.end); } catch (e) { /* not a text box */ }
    }
  }

  // ---------------------------------------------------------------- preview, publish, toast
  function reloadPreview() {
    if (el.previewPane.hidden) return;
    el.previewPane.querySelectorAll("iframe").forEach(function (frame) {
      frame.src = frame.dataset.src + "?t=" + Date.now();
    });
  }

  el.previewToggle.addEventListener("click", function () {
    el.previewPane.hidden = !el.previewPane.hidden;
    el.previewToggle.setAttribute("aria-expanded", el.previewPane.hidden ? "false" : "true");
    if (!el.previewPane.hidden) flush().then(reloadPreview);
  });

  function showToast(text, actionLabel, action) {
    el.toast.textContent = "";
    el.toast.appendChild(h("span", { text: text }));
    if (actionLabel) {
      el.toast.appendChild(h("button", { type: "button", class: "button", text: actionLabel, onclick: action }));
    }
    el.toast.hidden = false;
    window.clearTimeout(showToast.timer);
    showToast.timer = window.setTimeout(hideToast, 12000);
  }

  function hideToast() {
    var hadFocus = el.toast.contains(document.activeElement);
    var undo = state.undo;
    el.toast.hidden = true;
    state.undo = null;
    if (hadFocus && undo) {
      if (undo.near && itemByKey(undo.near)) focusItem(undo.near);
      else el.palette.querySelector(".palette-button").focus();
    }
  }

  if (el.publishButton) {
    el.publishButton.addEventListener("click", function () {
      el.publishBody.textContent = M.publish_loading;
      el.publishDialog.showModal();
      flush().then(function () { return request("GET", boot.urls.changes); }).then(function (result) {
        el.publishBody.textContent = "";
        if (result.status !== 200) {
          el.publishDialog.close();
          showProblems(result.data.problems || [{ message: result.data.error }]);
          el.problems.focus();
          return;
        }
        var changes = result.data.changes;
        if (result.data.first_publication) {
          el.publishBody.appendChild(h("p", { text: M.publish_first }));
          el.publishBody.appendChild(h("p", { class: "public-url", text: boot.form.public_url }));
          el.publishBody.appendChild(h("p", { class: "help", text: M.publish_address_hint }));
        } else if (!changes.length) {
          el.publishBody.appendChild(h("p", { text: M.publish_none }));
        }
        var unnamed = [];
        eachItem(function (item) {
          if (palette[item.type] && item.label === palette[item.type].label) unnamed.push(item.label);
        });
        if (unnamed.length) {
          el.publishBody.appendChild(h("p", { class: "publish-warning", text: M.publish_unnamed + " " + unnamed.join(M.list_separator) }));
        }
        if (changes.length && !result.data.first_publication) {
          var list = h("ul", { class: "change-list" });
          changes.forEach(function (c) {
            list.appendChild(h("li", { class: "change change--" + c.action }, [
              h("strong", { text: c.title }), document.createTextNode(M.colon + c.label + (c.detail ? " (" + c.detail + ")" : "")),
            ]));
          });
          el.publishBody.appendChild(list);
        }
        document.getElementById("publish-confirm").focus();
      });
    });
    document.getElementById("publish-cancel").addEventListener("click", function () { el.publishDialog.close(); });
    document.getElementById("publish-confirm").addEventListener("click", function () {
      request("POST", boot.urls.publish, { revision: state.revision }).then(function (result) {
        el.publishDialog.close();
        if (result.status !== 200) {
          showProblems(result.data.problems && result.data.problems.length ? result.data.problems : [{ message: result.data.error }]);
          return;
        }
        boot.form = result.data.form;
        var link = h("a", { href: result.data.form.public_url, target: "_blank", rel: "noopener", text: M.open_public });
        var stateLine = document.getElementById("publish-state");
        stateLine.textContent = "";
        stateLine.appendChild(h("span", { text: fmt(M.published_state, { n: result.data.version }) }));
        stateLine.appendChild(document.createTextNode(" "));
        stateLine.appendChild(link.cloneNode(true));
        document.querySelectorAll("main > .notice").forEach(function (notice) { notice.remove(); });
        showToast(fmt(M.published, { n: result.data.version }));
        el.toast.appendChild(link);
        announce(fmt(M.published, { n: result.data.version }));
      });
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (state.savedEdits < state.edits && !state.conflict) {
      flush();
      event.preventDefault();
      event.returnValue = "";
    }
  });

  el.props.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !state.selected) return;
    event.preventDefault();
    focusItem(state.selected);
  });

  // ---------------------------------------------------------------- start
  renderPalette();
  renderCanvas();
  renderProperties();
  setSaveState("saved");
  window.atsumeDesigner = { state: state, flush: flush };
})();
