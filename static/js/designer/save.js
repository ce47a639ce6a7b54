// Saving: one queue of requests (the whole draft, or a new order), the save state, and the
// server's problems mapped to the items and settings that caused them.
import { M, boot, csrf, el, h, palette, state } from "./context.js";
import { itemByKey } from "./model.js";
import { focusItem, renderCanvas, select } from "./canvas.js";
import { renderProperties } from "./properties.js";
import { reloadPreview } from "./publish.js";

// ---------------------------------------------------------------- saving
var queue = Promise.resolve();
var timer = null;

export function enqueue(task) {
  queue = queue.then(task, task);
  return queue;
}

export function scheduleSave() {
  window.clearTimeout(timer);
  timer = window.setTimeout(function () { enqueue(saveDocument); }, 700);
}

export function flush() {
  window.clearTimeout(timer);
  return enqueue(saveDocument);
}

export function setSaveState(name) {
  if (state.conflict) name = "conflict";  // nothing more is sent from this page: say so
  var text = { saved: M.saved, saving: M.saving, unsaved: M.unsaved, invalid: M.not_saved,
    conflict: M.conflict, offline: M.offline, expired: M.expired }[name];
  el.saveState.textContent = text;
  el.saveState.dataset.state = name;
}

export function request(method, url, body) {
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

export function handleSaveResponse(result, edits) {
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

export function saveDocument() {
  if (state.conflict || state.savedEdits >= state.edits) return Promise.resolve(true);
  var edits = state.edits;
  setSaveState("saving");
  return request("PUT", boot.urls.save, { document: state.doc, revision: state.revision })
    .then(function (result) { return handleSaveResponse(result, edits); },
      function () { setSaveState("offline"); window.setTimeout(scheduleSave, 3000); return false; });
}

export function sendOrder(layout) {
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
export function showProblems(problems) {
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
export function rerender() {
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
