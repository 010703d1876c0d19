// Projector mode: Escape leaves it, back to the session page.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) {
      return;
    }
    var exit = document.querySelector("a[data-escape]");
    if (exit) {
      window.location.assign(exit.href);
    }
  });
})();
