// @mention suggestions for a comment box: after "@" and a few letters, offer the
// colleagues who may see the form's records (asked from the server); choosing one writes
// "@login-name ". The server checks every mention again when the comment is sent.
(function () {
  "use strict";
  var box = document.querySelector("textarea[data-mention-source]");
  if (!box) { return; }
  var list = document.getElementById("mention-options");
  var status = document.getElementById("mention-options-status");
  var source = box.getAttribute("data-mention-source");
  var label = box.getAttribute("data-mention-label") || "";
  var pending = null;
  var asked = "";

  function typedName() {
    var before = box.value.slice(0, box.selectionStart);
    var match = /(^|[\s　])@([^\s@]{0,40})$/.exec(before);
    return match ? match[2] : null;
  }

  function hide() {
    list.hidden = true;
    list.textContent = "";
  }

  function choose(username) {
    var caret = box.selectionStart;
    var before = box.value.slice(0, caret);
    var at = before.lastIndexOf("@");
    box.value = before.slice(0, at) + "@" + username + " " + box.value.slice(caret);
    var end = at + username.length + 2;
    hide();
    box.focus();
    box.setSelectionRange(end, end);
  }

  function show(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button";
      button.textContent = item.name === item.username ? "@" + item.username : item.name + " (@" + item.username + ")";
      button.setAttribute("aria-label", label + ": " + button.textContent);
      button.addEventListener("click", function () { choose(item.username); });
      li.appendChild(button);
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    status.textContent = items.length ? list.getAttribute("aria-label") + ": " + items.length : "";
  }

  function ask() {
    var name = typedName();
    if (name === null) { hide(); return; }
    if (name === asked && !list.hidden) { return; }
    asked = name;
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(source + "?q=" + encodeURIComponent(name), {
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
      signal: pending.signal
    })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (body) { if (typedName() === name) { show(body.items || []); } })
      .catch(function () { /* a newer request replaced this one, or the network failed */ });
  }

  box.addEventListener("input", ask);
  box.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !list.hidden) { hide(); event.preventDefault(); }
    if (event.key === "ArrowDown" && !list.hidden) {
      var first = list.querySelector("button");
      if (first) { first.focus(); event.preventDefault(); }
    }
  });
})();
