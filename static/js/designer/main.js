// The form designer: palette, canvas and properties panel over one draft document.
// Every change is made to the local document first, shown at once and saved in the
// background (whole document, or the new order after a drag). The server validates;
// its problems are shown next to the item and setting that caused them.
//
// context.js   the page's data, the draft, the page's elements, DOM helpers
// model.js     the draft's operations (add, delete, duplicate, move)
// canvas.js    the items of the form, drag and drop, the palette
// cards.js     each item as the public form shows it, rendered by the server
// properties.js  the settings of the selected item
// save.js      the save queue and the server's problems
// publish.js   the preview pane and the publish dialog; toast.js the toast
import { boot, el, state } from "./context.js";
import { seedCards } from "./cards.js";
import { focusItem, renderCanvas, renderPalette } from "./canvas.js";
import { renderProperties } from "./properties.js";
import { flush, setSaveState } from "./save.js";
import { initPreview, initPublishing } from "./publish.js";

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

seedCards(boot.cards);
initPreview();
initPublishing();
renderPalette();
renderCanvas();
renderProperties();
setSaveState("saved");
window.atsumeDesigner = { state: state, flush: flush };
