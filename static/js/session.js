// The session page's only script: keep people's clicks and typing safe from live
// refreshes (a refresh held back is applied once they are done), fetch the sections a
// change concerns in one request, show and announce what someone else changed, and run
// the clock of the agenda item being discussed. Everything else is htmx.
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
        form.setAttribute("data-errors", "");
      }
    });
  }
  document.addEventListener("htmx:load", function (event) {
    markFormsWithErrors(event.detail.elt);
  });
  markFormsWithErrors(document);

  // A field whose value is not the one the page gave it: typed into, even without focus.
  function isEdited(field) {
    if (field.type === "hidden" || field.type === "submit" || field.type === "button") {
      return false;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT" && !field.multiple) {
      // Without a `selected` option the browser shows the first one: that is its default.
      var initial = 0;
      for (var i = 0; i < field.options.length; i++) {
        if (field.options[i].defaultSelected) {
          initial = i;
          break;
        }
      }
      return field.options.length > 0 && field.selectedIndex !== initial;
    }
    if (field.tagName === "SELECT") {
      for (var j = 0; j < field.options.length; j++) {
        if (field.options[j].selected !== field.options[j].defaultSelected) {
          return true;
        }
      }
      return false;
    }
    return field.value !== field.defaultValue;
  }

  function hasEdits(root) {
    var fields = root.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      if (isEdited(fields[i])) {
        return true;
      }
    }
    return false;
  }

  // Whether a region must not be replaced now: someone is typing in it (focus in a field),
  // a field in it differs from what the page gave it, a form in it came back with errors,
  // one of its requests is on its way (a save, or opening a row's form: its answer will
  // replace part of it), or something in it was opened on request (a row's controls, the
  // evidence form, a ballot).
  function isBusy(region) {
    var active = document.activeElement;
    var typing = active && region.contains(active) && active.matches("input, textarea, select");
    return !!(
      typing ||
      region.hasAttribute("data-saving") ||
      region.querySelector("form[data-errors], .open") ||
      hasEdits(region)
    );
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

  // A refresh held back is applied once the region is free again: when a request ends,
  // when the focus leaves a field, when a field is put back, and at every poll.
  function defer(region) {
    region.setAttribute("data-refresh-pending", "");
  }

  function applyPending() {
    document.querySelectorAll("[data-live-region][data-refresh-pending]").forEach(function (region) {
      if (isBusy(region) || !window.htmx) {
        return;
      }
      region.removeAttribute("data-refresh-pending");
      region.setAttribute("data-refresh-applying", "");
      window.htmx.ajax("GET", region.getAttribute("hx-get"), {
        source: region,
        target: region,
        swap: "outerHTML"
      });
    });
  }

  function applyPendingSoon() {
    window.setTimeout(applyPending, 0);
  }
  document.addEventListener("focusout", applyPendingSoon);
  document.addEventListener("input", applyPendingSoon);
  document.addEventListener("htmx:afterSettle", applyPendingSoon);

  // What a form held when it was sent, to tell afterwards what was typed while it saved.
  function valuesOf(form) {
    var values = {};
    form.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (field) {
      if (field.type !== "hidden" && field.type !== "checkbox" && field.type !== "radio") {
        values[field.name] = field.value;
      }
    });
    return values;
  }

  // A request from inside a region (a write, or opening a row's controls) marks the region
  // as saving until its answer is in: a refresh arriving meanwhile would replace the
  // element that answer is meant for.
  // Only the poll's refresh (or one held back from it) brings someone else's change; a
  // region refreshing after this person's own write is not highlighted.
  function bringsOthersChange(event) {
    var config = event.detail.requestConfig || {};
    var trigger = config.triggeringEvent;
    var elt = event.detail.elt;
    var held = elt.hasAttribute("data-refresh-applying");
    elt.removeAttribute("data-refresh-applying");
    return held || (!!trigger && trigger.type === "session-changed");
  }

  // A change reaches several live regions at once: someone else's, heard by the poll
  // (`session-changed`), or this person's own write, told by the events of its answer
  // (`HX-Trigger`). The regions that refresh together (`data-live-together`) and are free
  // to take it are fetched in one request that names them (`Live-Regions`), each coming
  // back out of band, instead of one request, and one load of the whole meeting, per
  // region. Someone else's change is highlighted when it arrives; one's own is not.
  var together = { others: [], own: [] };
  var othersNext = {};

  function fetchTogether(region, others) {
    var key = others ? "others" : "own";
    if (together[key].indexOf(region) >= 0) {
      return;
    }
    together[key].push(region);
    if (together[key].length === 1) {
      window.setTimeout(function () {
        flushTogether(key);
      }, 0);
    }
  }

  function flushTogether(key) {
    var regions = together[key];
    together[key] = [];
    var source = document.getElementById("live-regions-source");
    if (!regions.length || !source || !window.htmx) {
      return;
    }
    regions.forEach(function (region) {
      othersNext[region.id] = key === "others";
    });
    window.htmx.ajax("GET", source.getAttribute("data-url"), {
      source: source,
      target: source,
      swap: "none",
      headers: {
        "Live-Regions": regions
          .map(function (region) {
            return region.id;
          })
          .join(" ")
      }
    });
  }

  // A region an event asks to refresh; one held back fetches itself alone when free.
  function refreshesTogether(event) {
    var trigger = (event.detail.requestConfig || {}).triggeringEvent;
    return !!trigger && event.detail.elt.hasAttribute("data-live-together");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isLiveRefresh(event)) {
      event.detail.xhr.readinessOthers = bringsOthersChange(event);
      // A live refresh (a region fetching itself after someone else's change) must not wipe
      // what this person is doing: hold it back until they are done.
      if (isBusy(event.detail.elt)) {
        event.preventDefault();
        defer(event.detail.elt);
      } else if (refreshesTogether(event)) {
        event.preventDefault();
        fetchTogether(event.detail.elt, event.detail.xhr.readinessOthers);
      }
      return;
    }
    var elt = event.detail.elt;
    var region = elt.closest && elt.closest("[data-live-region]");
    if (region) {
      region.setAttribute("data-saving", "");
      region.readinessPending = (region.readinessPending || 0) + 1;
      event.detail.xhr.readinessRegion = region;
    }
    var form = elt.tagName === "FORM" ? elt : elt.closest && elt.closest("form");
    if (form && form.getAttribute("action")) {
      event.detail.xhr.readinessSent = { form: form, values: valuesOf(form) };
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var region = event.detail.xhr && event.detail.xhr.readinessRegion;
    if (region) {
      region.readinessPending = Math.max(0, (region.readinessPending || 1) - 1);
      if (!region.readinessPending) {
        region.removeAttribute("data-saving");
      }
    }
    if (event.detail.elt && event.detail.elt.id === "live") {
      applyPending();
    }
  });

  // Text typed into a form while it was being saved (the next participant's name while the
  // last one is added) is put back into the form the answer brings.
  function typedSince(sent) {
    var form = sent.form;
    if (!form.isConnected) {
      return null;
    }
    var typed = {};
    var any = false;
    var now = valuesOf(form);
    Object.keys(now).forEach(function (name) {
      if (now[name] !== sent.values[name]) {
        typed[name] = now[name];
        any = true;
      }
    });
    if (!any) {
      return null;
    }
    var active = document.activeElement;
    var focused = active && form.contains(active) && active.name ? active : null;
    return {
      action: form.getAttribute("action"),
      values: typed,
      focus: focused ? focused.name : null,
      caret: focused && typeof focused.selectionStart === "number" ? focused.selectionStart : null
    };
  }

  function putBack(typed) {
    var form = document.querySelector('form[action="' + CSS.escape(typed.action) + '"]');
    if (!form) {
      return;
    }
    Object.keys(typed.values).forEach(function (name) {
      var field = form.querySelector('[name="' + CSS.escape(name) + '"]');
      if (field) {
        field.value = typed.values[name];
      }
    });
    form.setAttribute("data-dirty", "");
    var field = typed.focus && form.querySelector('[name="' + CSS.escape(typed.focus) + '"]');
    if (field) {
      field.focus();
      if (typed.caret !== null && typeof field.setSelectionRange === "function") {
        try {
          field.setSelectionRange(typed.caret, typed.caret);
        } catch (e) {
          // Some input types (email, number) have no caret to place.
        }
      }
    }
  }

  // --- What someone else changed: highlighted for a moment, and announced --------------

  var ITEMS = "tr[id], li[id]";

  // An element's words, without what this script writes into it: the "Updated" tags, and
  // the running clock of the item being discussed (it ticks here, not on the server).
  var OWN_TEXT = ".live-changed-tag, [data-elapsed]";

  function textOf(elt) {
    if (elt.querySelector(OWN_TEXT)) {
      elt = elt.cloneNode(true);
      elt.querySelectorAll(OWN_TEXT).forEach(function (own) {
        own.remove();
      });
    }
    return elt.textContent.replace(/\s+/g, " ").trim();
  }

  function snapshot(region) {
    var items = {};
    var marks = {};
    region.querySelectorAll(ITEMS).forEach(function (item) {
      items[item.id] = textOf(item);
      if (item.classList.contains("live-changed") && item.readinessMarkedUntil) {
        marks[item.id] = item.readinessMarkedUntil;
      }
    });
    return { id: region.id, text: textOf(region), items: items, marks: marks };
  }

  function announcer() {
    return document.getElementById("live-changes");
  }

  var MARK_MS = 8000;

  // `until` is when the mark goes: a later refresh that leaves the row as it was keeps its
  // mark to the end instead of dropping it.
  function mark(elt, label, until) {
    until = until || Date.now() + MARK_MS;
    elt.classList.add("live-changed");
    elt.readinessMarkedUntil = until;
    var host = elt.tagName === "TR" ? elt.cells[0] : elt;
    if (host && label && !host.querySelector(":scope > .live-changed-tag")) {
      var tag = document.createElement("span");
      tag.className = "live-changed-tag";
      tag.textContent = label;
      host.appendChild(tag);
    }
    window.setTimeout(function () {
      elt.classList.remove("live-changed");
      elt.querySelectorAll(".live-changed-tag").forEach(function (t) {
        t.remove();
      });
    }, Math.max(0, until - Date.now()));
  }

  var heard = [];
  var heardTimer = null;

  function announce(region) {
    var box = announcer();
    var labelledBy = region.getAttribute("aria-labelledby");
    var heading = (labelledBy && document.getElementById(labelledBy)) || region.querySelector("h1, h2");
    if (!box || region.hasAttribute("data-live-quiet")) {
      return;
    }
    var name = heading ? textOf(heading) : region.id;
    if (heard.indexOf(name) < 0) {
      heard.push(name);
    }
    window.clearTimeout(heardTimer);
    heardTimer = window.setTimeout(function () {
      box.textContent = box.getAttribute("data-announce") + " " + heard.join(", ") + ".";
      heard = [];
    }, 300);
  }

  function highlightChanges(before) {
    var region = document.getElementById(before.id);
    if (!region) {
      return;
    }
    var box = announcer();
    var label = box ? box.getAttribute("data-tag") : "";
    var changed = textOf(region) !== before.text;
    var marked = false;
    region.querySelectorAll(ITEMS).forEach(function (item) {
      if (changed && before.items[item.id] !== textOf(item)) {
        mark(item, label);
        marked = true;
      } else if (before.marks[item.id] > Date.now()) {
        mark(item, label, before.marks[item.id]);
      }
    });
    if (!changed) {
      return;
    }
    announce(region);
    if (!marked) {
      mark(region.querySelector("h1, h2") || region, label);
    }
  }

  // The same check when a refresh arrives: the person may have started typing, or saving,
  // while it was on its way. A refresh that does swap is compared with what it replaces.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (isLiveRefresh(event)) {
      if (isBusy(event.detail.target)) {
        event.detail.shouldSwap = false;
        defer(event.detail.target);
      } else if (xhr && xhr.readinessOthers && event.detail.target.id) {
        xhr.readinessBefore = snapshot(event.detail.target);
      }
      return;
    }
    if (xhr && xhr.readinessSent) {
      xhr.readinessTyped = typedSince(xhr.readinessSent);
    }
  });
  // The same for each region a refresh together brings out of band.
  var togetherBefore = {};
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.hasAttribute || !target.hasAttribute("data-live-together")) {
      return;
    }
    var others = othersNext[target.id];
    delete othersNext[target.id];
    if (isBusy(target)) {
      event.detail.shouldSwap = false;
      defer(target);
    } else if (others) {
      togetherBefore[target.id] = snapshot(target);
    }
  });

  // Marks go on once the swap has settled: settling puts back each element's own class
  // attribute, and htmx focuses an answer's autofocus field then (the typed text wins).
  document.addEventListener("htmx:afterSettle", function (event) {
    var settled = event.target;
    if (settled && settled.id && togetherBefore[settled.id]) {
      var was = togetherBefore[settled.id];
      delete togetherBefore[settled.id];
      highlightChanges(was);
    }
    var xhr = event.detail.xhr;
    if (xhr && xhr.readinessBefore) {
      var before = xhr.readinessBefore;
      xhr.readinessBefore = null;
      highlightChanges(before);
    }
    if (xhr && xhr.readinessTyped) {
      var typed = xhr.readinessTyped;
      xhr.readinessTyped = null;
      putBack(typed);
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
