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

  // Whether a region must not be replaced now: someone is typing in it, a form in it holds
  // typed text or errors, one of its forms is being saved (its answer will replace it), or
  // something in it was opened on request (a row's controls, the evidence form, a ballot).
  function isBusy(region) {
    var active = document.activeElement;
    var typing = active && region.contains(active) && active.matches("input, textarea, select");
    return typing || region.hasAttribute("data-saving") || region.querySelector("form[data-dirty], .open");
  }

  // A region fetching itself (a GET it issued), as opposed to a request from inside it.
  // Asked when the request starts, where `elt` is the element that issued it, and kept on
  // the request: later events name the swap's target instead.
  function isLiveRefresh(event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.readinessLive !== undefined) {
      return xhr.readinessLive;
    }
    var elt = event.detail.elt;
    var config = event.detail.requestConfig;
    var verb = config ? config.verb : "get";
    var live = verb === "get" && !!elt.hasAttribute && elt.hasAttribute("data-live-region");
    if (xhr) {
      xhr.readinessLive = live;
    }
    return live;
  }

  // A request from inside a region (a write, or opening a row's controls) marks the region
  // as saving until its answer is in: a refresh arriving meanwhile would replace the
  // element that answer is meant for.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isLiveRefresh(event)) {
      // A live refresh (a region fetching itself after someone else's change) must not wipe
      // what this person is doing: skip it; the region refreshes once they are done.
      if (isBusy(event.detail.elt)) {
        event.preventDefault();
      }
      return;
    }
    var region = event.detail.elt.closest && event.detail.elt.closest("[data-live-region]");
    if (region) {
      region.setAttribute("data-saving", "");
      event.detail.xhr.readinessRegion = region;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var region = event.detail.xhr && event.detail.xhr.readinessRegion;
    if (region) {
      region.removeAttribute("data-saving");
    }
  });

  // The same check when a refresh arrives: the person may have started typing, or saving,
  // while it was on its way.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (isLiveRefresh(event) && isBusy(event.detail.target)) {
      event.detail.shouldSwap = false;
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
