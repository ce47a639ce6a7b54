// Each card of the canvas shows its item as the public form does. The server renders the
// item with the public renderer; the card shows that HTML inert (disabled, out of the tab
// order, hidden from screen readers, whose users hear the card's button instead).
// Renders are cached by the item's content: typing in the properties panel asks again, after
// a short pause, for the changed item only.
import { boot, h, state } from "./context.js";
import { request } from "./save.js";

var WAIT_MS = 250;
var cache = {};    // key -> {source, html}; html is null when the item had problems
var waiting = {};  // key -> item to render again
var timer = null;

// What a card depends on: a section's card shows its own settings, not its fields.
function sourceOf(item) {
  var own = item.type === "section" ? Object.assign({}, item, { fields: [] }) : item;
  return JSON.stringify(own);
}

export function seedCards(html) {
  var byKey = {};
  state.doc.fields.forEach(function (item) {
    byKey[item.key] = item;
    if (item.type === "section") item.fields.forEach(function (child) { byKey[child.key] = child; });
  });
  Object.keys(html || {}).forEach(function (key) {
    if (byKey[key]) cache[key] = { source: sourceOf(byKey[key]), html: html[key] };
  });
}

// Inert HTML: nothing in it can be focused, changed, sent or clash with the page's ids.
function inert(html) {
  var holder = document.createElement("template");
  holder.innerHTML = html;
  holder.content.querySelectorAll("[id]").forEach(function (node) { node.removeAttribute("id"); });
  holder.content.querySelectorAll("label[for]").forEach(function (node) { node.removeAttribute("for"); });
  holder.content.querySelectorAll("input, select, textarea, button").forEach(function (node) {
    node.disabled = true;
    node.tabIndex = -1;
    node.removeAttribute("name");
    node.removeAttribute("aria-describedby");
  });
  return holder.content;
}

// The preview box of a card: the last render of the item (asked again if the item changed).
export function cardPreview(item) {
  var box = h("div", { class: "item-preview", "aria-hidden": "true", inert: true, "data-preview": item.key });
  var known = cache[item.key];
  if (known && known.html) box.appendChild(inert(known.html));
  if (!known || known.source !== sourceOf(item)) refreshPreview(item);
  return box;
}

export function hasPreview(item) {
  var known = cache[item.key];
  return Boolean(known && known.html);
}

// A new item is shown at once; an edited one after a pause in the typing.
export function refreshPreview(item) {
  waiting[item.key] = item;
  window.clearTimeout(timer);
  timer = window.setTimeout(fetchWaiting, cache[item.key] ? WAIT_MS : 0);
  updatePending();
}

// The canvas says when cards are being drawn again (their height may change meanwhile).
var requests = 0;
function updatePending() {
  var busy = requests > 0 || Object.keys(waiting).length > 0;
  document.getElementById("canvas-root").dataset.cards = busy ? "pending" : "ready";
}

function fetchWaiting() {
  var items = Object.keys(waiting).map(function (key) { return waiting[key]; })
    .filter(function (item) { return !cache[item.key] || cache[item.key].source !== sourceOf(item); });
  waiting = {};
  if (!items.length) { updatePending(); return; }
  var sources = {};
  var payload = items.map(function (item) {
    sources[item.key] = sourceOf(item);
    return JSON.parse(sources[item.key]);
  });
  requests += 1;
  request("POST", boot.urls.cards, { items: payload }).then(function (result) {
    requests -= 1;
    if (result.status === 200) {
      Object.keys(result.data.cards).forEach(function (key) {
        var html = result.data.cards[key];
        // an item with problems keeps its last good picture (its problems show on the card)
        if (html === null && cache[key]) html = cache[key].html;
        cache[key] = { source: sources[key], html: html };
        show(key);
      });
    }
    updatePending();
  }, function () { requests -= 1; updatePending(); /* offline: the save state says so */ });
}

function show(key) {
  var box = document.querySelector('.item[data-key="' + key + '"] > .item-card > .item-preview');
  if (!box) return;
  box.textContent = "";
  if (cache[key].html) box.appendChild(inert(cache[key].html));
  var isSection = box.closest(".item").classList.contains("item--section");
  box.parentNode.classList.toggle("item-card--previewed", !isSection && Boolean(cache[key].html));
}
