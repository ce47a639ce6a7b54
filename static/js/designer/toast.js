// The toast at the bottom of the page: a short message, perhaps with one action (Undo).
import { el, h, state } from "./context.js";
import { itemByKey } from "./model.js";
import { focusItem } from "./canvas.js";

export function showToast(text, actionLabel, action) {
  el.toast.textContent = "";
  el.toast.appendChild(h("span", { text: text }));
  if (actionLabel) {
    el.toast.appendChild(h("button", { type: "button", class: "button", text: actionLabel, onclick: action }));
  }
  el.toast.hidden = false;
  window.clearTimeout(showToast.timer);
  showToast.timer = window.setTimeout(hideToast, 12000);
}

export function hideToast() {
  var hadFocus = el.toast.contains(document.activeElement);
  var undo = state.undo;
  el.toast.hidden = true;
  state.undo = null;
  if (hadFocus && undo) {
    if (undo.near && itemByKey(undo.near)) focusItem(undo.near);
    else el.palette.querySelector(".palette-button").focus();
  }
}
