// The session page's only script: keep people's typing safe from live refreshes, and
// run the clock of the agenda item being discussed. Everything else is htmx.
(function () {
  "use strict";

  // A form someone has typed into is "dirty" until it is submitted or re-rendered.
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form");
    if (form) {
      form.setAttribute("data-dirty", "");
    }
  });

  // A form that came back with errors, or refused as stale, holds text the person still
  // has to act on: it counts as typed into.
  function markFormsWithErrors(root) {
    root.querySelectorAll("form").forEach(function (form) {
      var region = form.closest("[data-live-region]");
      if (form.querySelector(".field-error, .form-errors") || (region && region.querySelector(".stale"))) {
        form.setAttribute("data-dirty", "");
      }
    });
  }
  document.addEventListener("htmx:load", function (event) {
    markFormsWithErrors(event.detail.elt);
  });
  markFormsWithErrors(document);

  // A live refresh (a region fetching itself after someone else's change) must not wipe
  // what this person is typing: skip it; the region refreshes when they save or cancel.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var region = event.detail.elt;
    if (!region.hasAttribute || !region.hasAttribute("data-live-region")) {
      return;
    }
    var active = document.activeElement;
    var typing = active && region.contains(active) && active.matches("input, textarea, select");
    if (typing || region.querySelector("form[data-dirty]")) {
      event.preventDefault();
      region.setAttribute("data-stale", "");
    }
  });

  // The same check when the refreshed region arrives: the person may have started typing
  // while it was on its way.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var region = event.detail.elt;
    if (!region.hasAttribute || !region.hasAttribute("data-live-region")) {
      return;
    }
    if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") {
      return;
    }
    var active = document.activeElement;
    var typing = active && region.contains(active) && active.matches("input, textarea, select");
    if (typing || region.querySelector("form[data-dirty]")) {
      event.detail.shouldSwap = false;
      region.setAttribute("data-stale", "");
    }
  });

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function tick() {
    var clocks = document.querySelectorAll("[data-started]");
    var now = Date.now();
    clocks.forEach(function (clock) {
      var started = Date.parse(clock.getAttribute("data-started"));
      if (isNaN(started)) {
        return;
      }
      var seconds = Math.max(0, Math.floor((now - started) / 1000));
      var text = Math.floor(seconds / 60) + ":" + pad(seconds % 60);
      var box = parseInt(clock.getAttribute("data-time-box") || "0", 10);
      var over = box > 0 && seconds > box * 60;
      var value = clock.querySelector("[data-elapsed]");
      if (value) {
        value.textContent = box > 0 ? text + " / " + box + ":00" : text;
      }
      clock.classList.toggle("over-time", over);
      var flag = clock.querySelector("[data-over]");
      if (flag) {
        flag.hidden = !over;
      }
    });
  }

  tick();
  setInterval(tick, 1000);
})();
