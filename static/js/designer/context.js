// What every part of the designer shares: the page's data, the draft being edited, the
// page's elements and small DOM helpers. Imports nothing, so it is ready before the others.
export var boot = JSON.parse(document.getElementById("designer-data").textContent);
export var M = boot.messages;
export var csrf = document.querySelector('meta[name="csrf-token"]').content;
export var palette = {};
boot.palette.forEach(function (entry) { palette[entry.name] = entry; });

export var state = {
  doc: boot.document,
  revision: boot.form.revision,
  selected: null,
  edits: 0,        // local changes made
  savedEdits: 0,   // local changes the server has
  problems: [],
  conflict: false,
  undo: null,
};

export var el = {
  root: document.getElementById("canvas-root"),
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
export function fmt(text, values) {
  return text.replace(/%\((\w+)\)[sd]/g, function (_, name) { return values[name]; });
}

export function h(tag, attrs, children) {
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

export function announce(text) {
  el.announcer.textContent = "";
  window.setTimeout(function () { el.announcer.textContent = text; }, 30);
}
