// The draft document and its operations: find, add, delete (with undo), duplicate, move.
import { M, announce, el, fmt, palette, state } from "./context.js";
import { focusItem, renderCanvas } from "./canvas.js";
import { renderProperties } from "./properties.js";
import { scheduleSave, setSaveState } from "./save.js";
import { hideToast, showToast } from "./toast.js";

export function newKey() {
  var taken = {};
  eachItem(function (item) { taken[item.key] = true; });
  var key;
  do {
    key = "f_" + Math.random().toString(16).slice(2, 8);
  } while (taken[key] || key.length < 8);
  return key;
}

export function eachItem(fn) {
  state.doc.fields.forEach(function (item) {
    fn(item, null);
    if (item.type === "section") item.fields.forEach(function (child) { fn(child, item); });
  });
}

// Where an item is: {list, index, section}
export function locate(key) {
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

export function itemByKey(key) {
  var where = locate(key);
  return where ? where.list[where.index] : null;
}

export function typeLabel(item) {
  var entry = palette[item.type];
  return entry ? entry.label : item.type;
}

export function positionOf(key) {
  var n = 0, position = 0;
  eachItem(function (item) { n += 1; if (item.key === key) position = n; });
  return position;
}

// ---------------------------------------------------------------- changes
export function changed(options) {
  state.edits += 1;
  if (!options || options.render !== false) renderCanvas();
  if (!options || options.save !== false) scheduleSave();
  setSaveState("unsaved");
}

export function addItem(type, container, index) {
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

export function addAtEnd(type) {
  var item = addItem(type, null, null);
  announce(fmt(M.added, { label: item.label }));
  focusItem(item.key);
}

export function removeItem(key) {
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

export function undoDelete() {
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

export function duplicateItem(key) {
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
export function moveItem(key, step) {
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
