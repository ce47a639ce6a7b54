// The preview pane (the draft in the public renderer) and the publish dialog.
import { M, announce, boot, el, fmt, h, palette, state } from "./context.js";
import { eachItem } from "./model.js";
import { flush, request, showProblems } from "./save.js";
import { showToast } from "./toast.js";

export function reloadPreview() {
  if (el.previewPane.hidden) return;
  el.previewPane.querySelectorAll("iframe").forEach(function (frame) {
    frame.src = frame.dataset.src + "?t=" + Date.now();
  });
}

export function initPreview() {
  el.previewToggle.addEventListener("click", function () {
    el.previewPane.hidden = !el.previewPane.hidden;
    el.previewToggle.setAttribute("aria-expanded", el.previewPane.hidden ? "false" : "true");
    if (!el.previewPane.hidden) flush().then(reloadPreview);
  });
}

var confirmButton = document.getElementById("publish-confirm");

// Problems that stop publishing. Those of an item are also shown on the canvas, where they
// can be fixed; the others (an empty form) are said in the dialog itself.
function showRefusal(data) {
  var problems = data.problems && data.problems.length ? data.problems : [{ message: data.error }];
  var general = problems.filter(function (p) { return !/^fields\.\d/.test(p.path || ""); });
  if (general.length < problems.length) {
    el.publishDialog.close();
    showProblems(problems);
    el.problems.focus();
    return;
  }
  el.publishBody.appendChild(h("p", { class: "publish-refused", role: "alert", text: data.error }));
  var list = h("ul");
  general.forEach(function (p) { list.appendChild(h("li", { text: p.message })); });
  el.publishBody.appendChild(list);
  confirmButton.hidden = true;
  document.getElementById("publish-cancel").focus();
}

function showChanges(data) {
  var changes = data.changes;
  if (data.first_publication) {
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
  if (changes.length && !data.first_publication) {
    var list = h("ul", { class: "change-list" });
    changes.forEach(function (c) {
      list.appendChild(h("li", { class: "change change--" + c.action }, [
        h("strong", { text: c.title }), document.createTextNode(M.colon + c.label + (c.detail ? " (" + c.detail + ")" : "")),
      ]));
    });
    el.publishBody.appendChild(list);
  }
  confirmButton.focus();
}

function openDialog() {
  el.publishBody.textContent = M.publish_loading;
  confirmButton.hidden = false;
  el.publishDialog.showModal();
  flush().then(function () { return request("GET", boot.urls.changes); }).then(function (result) {
    el.publishBody.textContent = "";
    if (result.status === 200) showChanges(result.data);
    else showRefusal(result.data);
  });
}

function publish() {
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
}

export function initPublishing() {
  if (!el.publishButton) return;
  el.publishButton.addEventListener("click", openDialog);
  document.getElementById("publish-cancel").addEventListener("click", function () { el.publishDialog.close(); });
  confirmButton.addEventListener("click", publish);
}
