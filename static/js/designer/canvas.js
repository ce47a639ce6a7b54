// The canvas: the form's items as cards in nested lists, drag and drop (SortableJS), the
// palette, selection and focus.
import { M, announce, boot, el, fmt, h, state } from "./context.js";
import { addAtEnd, addItem, changed, duplicateItem, eachItem, itemByKey, moveItem, positionOf, removeItem, typeLabel } from "./model.js";
import { renderProperties } from "./properties.js";
import { enqueue, sendOrder } from "./save.js";
import { cardPreview, hasPreview, refreshPreview } from "./cards.js";

export function select(key) {
  state.selected = key;
  Array.prototype.forEach.call(document.querySelectorAll(".item"), function (node) {
    var on = node.dataset.key === key;
    node.classList.toggle("item--selected", on);
    var button = node.querySelector(":scope > .item-card .item-select");
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
  });
  renderProperties();
}

function selectByPointer(key) {
  select(key);
  if (window.innerWidth < 960) {
    document.getElementById("properties").scrollIntoView({ behavior: "smooth" });
  }
}

export function focusItem(key, which) {
  var node = document.querySelector('.item[data-key="' + key + '"]');
  if (!node) return;
  var target = which ? node.querySelector(":scope > .item-card [data-action='" + which + "']") : null;
  if (!target || target.disabled) target = node.querySelector(":scope > .item-card .item-select");
  target.focus();
}

// ---------------------------------------------------------------- canvas
var sortables = [];

export function problemsFor(key) {
  return state.problems.filter(function (p) { return p.key === key; });
}

var COPY_ICON = '<svg aria-hidden="true" width="18" height="18" viewBox="0 0 18 18" fill="none" ' +
  'stroke="currentColor" stroke-width="1.8"><rect x="6" y="6" width="9" height="9" rx="1.5"/>' +
  '<path d="M3 12V4.5A1.5 1.5 0 0 1 4.5 3H12"/></svg>';

var RULE_ICON = '<svg aria-hidden="true" width="14" height="14" viewBox="0 0 14 14" fill="none" ' +
  'stroke="currentColor" stroke-width="1.6"><path d="M2 2v4a3 3 0 0 0 3 3h7M9 6l3 3-3 3"/></svg>';

// The marks that say an item has a display condition, or that a section is a page.
export function itemMarks(item) {
  var marks = [];
  if (item.show_if) {
    var rule = h("span", { class: "item-rule", "data-mark": "rule" }, [
      h("span", { text: " " + M.rule_badge }),
    ]);
    rule.insertAdjacentHTML("afterbegin", RULE_ICON);
    marks.push(rule);
  }
  if (item.type === "section" && item.page) {
    marks.push(h("span", { class: "item-page", "data-mark": "page", text: M.page_badge }));
  }
  return marks;
}

export function copyButton(item) {
  var button = h("button", { type: "button", class: "icon-button", "data-action": "duplicate",
    "aria-label": M.duplicate + M.colon + (item.label || M.untitled), title: M.duplicate,
    onclick: function () { duplicateItem(item.key); } });
  button.innerHTML = COPY_ICON;
  return button;
}

export function renderItem(item, section) {
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
  var previewed = item.type !== "section" && hasPreview(item);
  var card = h("div", { class: "item-card" + (previewed ? " item-card--previewed" : "") }, [
    h("span", { class: "drag-handle", title: M.drag_handle, "aria-hidden": "true", text: "⠿" }),
    h("button", { type: "button", class: "item-select", "aria-pressed": selected ? "true" : "false",
      onclick: function (event) {
        if (event.detail === 0) {
          select(item.key);
          // Enter or Space: go straight to the settings (Escape comes back here)
          var first = el.props.querySelector("input, textarea, select");
          if (first) first.focus();
        } else {
          selectByPointer(item.key);
        }
      } }, [
      h("span", { class: "item-type", text: typeLabel(item) }),
      // shown by the preview when there is one, but always part of the button's name
      h("span", { class: "item-label", text: item.label || M.untitled }),
      item.required ? h("span", { class: "item-required", text: M.required }) : null,
    ].concat(itemMarks(item))),
    tools,
    cardPreview(item),
  ]);
  // The picture is inert: a click on it (or on the card around the buttons) reaches the card.
  card.addEventListener("click", function (event) {
    if (event.target === card || event.target.closest(".item-preview")) selectByPointer(item.key);
  });
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

export function renderCanvas() {
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

export function makeSortable(list) {
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

export function domLayout() {
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

export function applyDomOrder(movedKey) {
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
export function renderPalette() {
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

export function refreshCard(item) {
  var node = document.querySelector('.item[data-key="' + item.key + '"] > .item-card');
  if (!node) return;
  node.querySelector(".item-label").textContent = item.label || M.untitled;
  var badge = node.querySelector(".item-required");
  if (item.required && !badge) node.querySelector(".item-select").appendChild(h("span", { class: "item-required", text: M.required }));
  if (!item.required && badge) badge.remove();
  var button = node.querySelector(".item-select");
  button.querySelectorAll("[data-mark]").forEach(function (mark) { mark.remove(); });
  itemMarks(item).forEach(function (mark) { button.appendChild(mark); });
  refreshPreview(item);
}
