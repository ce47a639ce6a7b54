// Fills the address boxes from a postal code (Japan Post's data, looked up on the server).
// A box the citizen has typed into is never overwritten; what was filled is announced.
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="atsume-postal-codes"]');
  if (!meta) return;
  const base = meta.content;
  const english = document.documentElement.lang === "en";
  const TARGETS = {
    "street-address": (a) => a.prefecture + a.city + a.town,
    "address-level1": (a) => a.prefecture,
    "address-level2": (a) => a.city,
    "address-line1": (a) => a.town,
  };

  function digits(text) {
    return text
      .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .replace(/[^0-9]/g, "");
  }

  // The live region exists (empty) before anything is said in it, so screen readers
  // announce what is filled in.
  function addStatus(input) {
    const status = document.createElement("p");
    status.className = "postal-status help";
    status.setAttribute("role", "status");
    (input.closest(".input-row") || input).insertAdjacentElement("afterend", status);
    return status;
  }

  function fill(form, address) {
    const filled = [];
    for (const [token, part] of Object.entries(TARGETS)) {
      const box = form.querySelector(`[autocomplete="${token}"]`);
      if (!box) continue;
      const value = part(address);
      if (box.value.trim() === "" || box.value === box.dataset.postalFilled) {
        box.value = value;
        box.dataset.postalFilled = value;
        box.dispatchEvent(new Event("input", { bubbles: true }));
        filled.push(value);
      }
      if (token === "street-address") break; // one box holds the whole address
    }
    return filled;
  }

  async function lookUp(input) {
    const code = digits(input.value);
    if (code.length !== 7 || code === input.dataset.postalLooked) return;
    input.dataset.postalLooked = code;
    const status = input.postalStatus;
    let response;
    try {
      response = await fetch(base + code, { headers: { Accept: "application/json" } });
    } catch (error) {
      return; // offline: the citizen types the address
    }
    if (!response.ok) {
      status.textContent = english
        ? "No address was found for this postal code. Please type the address."
        : "この郵便番号の住所は見つかりませんでした。住所を入力してください。";
      return;
    }
    const address = await response.json();
    const filled = fill(input.form, address);
    const whole = address.prefecture + address.city + address.town;
    if (filled.length) {
      status.textContent = english
        ? `The address ${whole} was filled in. Please add the street number.`
        : `住所「${whole}」を入力しました。続けて番地を入力してください。`;
    } else {
      status.textContent = english
        ? `This postal code is for ${whole}.`
        : `この郵便番号の住所は「${whole}」です。`;
    }
  }

  for (const input of document.querySelectorAll("input[data-postal-code]")) {
    input.postalStatus = addStatus(input);
    input.addEventListener("input", () => lookUp(input));
    input.addEventListener("change", () => lookUp(input));
  }
})();
