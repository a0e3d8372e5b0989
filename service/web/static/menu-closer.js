// The folded menu (a phone's) closes with Escape, as every menu a person has used does, and
// gives the focus back to its button: a <details> element only closes when clicked again.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var menu = document.querySelector("details.nav-menu[open]");
    if (!menu) {
      return;
    }
    menu.open = false;
    var button = menu.querySelector("summary");
    if (button) {
      button.focus();
    }
  });
})();
