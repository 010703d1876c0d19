// Every page's focus after an htmx swap. A swap replaces the control someone just used, so
// without this the focus falls to <body> and a keyboard or screen-reader user starts again
// from the top. After a refused form (422, 409) the focus goes to its first field in error
// (its message is linked to it and announced); otherwise it returns to the control used,
// or to the field the answer asks for (autofocus), or to the first control of the row or
// section around it.
(function () {
  "use strict";

  // A region refreshing itself after someone else's change, or the live poll: not the
  // person's own doing, so it never moves their focus.
  function isBackground(elt, verb) {
    return verb === "get" && !!elt.hasAttribute && (elt.hasAttribute("data-live-region") || elt.id === "live");
  }

  // Enough about the control in use to find its replacement in the new content.
  function describe(control) {
    if (!control || control === document.body || !control.tagName) {
      return null;
    }
    var form = control.form || control.closest("form");
    var ancestors = [];
    for (var up = control.parentElement; up && up !== document.body; up = up.parentElement) {
      if (up.id) {
        ancestors.push(up.id);
      }
    }
    return {
      ancestors: ancestors,
      id: control.id,
      tag: control.tagName,
      name: control.getAttribute("name"),
      value: control.getAttribute("value"),
      text: control.textContent.trim(),
      href: control.getAttribute("href"),
      action: form ? form.getAttribute("action") : null
    };
  }

  function matches(candidate, was) {
    return candidate.tagName === was.tag &&
      candidate.getAttribute("name") === was.name &&
      candidate.getAttribute("value") === was.value &&
      candidate.getAttribute("href") === was.href &&
      candidate.textContent.trim() === was.text;
  }

  function find(was) {
    if (was.id) {
      var byId = document.getElementById(was.id);
      if (byId) {
        return byId;
      }
    }
    var scope = document;
    if (was.action) {
      var form = document.querySelector('form[action="' + CSS.escape(was.action) + '"]');
      if (!form) {
        return null;
      }
      scope = form;
    }
    var found = null;
    scope.querySelectorAll(was.tag).forEach(function (candidate) {
      if (!found && matches(candidate, was)) {
        found = candidate;
      }
    });
    return found;
  }

  function usable(elt) {
    return elt && elt.isConnected && !elt.disabled && elt.getClientRects().length > 0;
  }

  function focusOn(elt) {
    if (!elt.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      elt.setAttribute("tabindex", "-1");
    }
    elt.focus({ preventScroll: false });
  }

  // The first control of a row or a section: a button or a field before a link.
  function firstControl(scope) {
    var kinds = ["button, input:not([type=hidden]), select, textarea, summary", "a[href]"];
    for (var k = 0; k < kinds.length; k++) {
      var controls = scope.querySelectorAll(kinds[k]);
      for (var i = 0; i < controls.length; i++) {
        if (usable(controls[i])) {
          return controls[i];
        }
      }
    }
    return null;
  }

  // The innermost element around the control that is still there (its row, its section).
  function survivor(was) {
    for (var i = 0; i < was.ancestors.length; i++) {
      var elt = document.getElementById(was.ancestors[i]);
      if (elt && elt.getClientRects().length > 0) {
        return elt;
      }
    }
    return null;
  }

  function firstError(scope) {
    var fields = scope.querySelectorAll('[aria-invalid="true"], .field-invalid input, .field-invalid select, .field-invalid textarea');
    for (var i = 0; i < fields.length; i++) {
      if (usable(fields[i])) {
        return fields[i];
      }
    }
    var notices = scope.querySelectorAll(".form-errors, .stale, .field-error");
    for (var j = 0; j < notices.length; j++) {
      if (usable(notices[j])) {
        return notices[j];
      }
    }
    return null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail.requestConfig || {};
    var verb = (config.verb || "get").toLowerCase();
    if (isBackground(event.detail.elt, verb)) {
      return;
    }
    var active = document.activeElement;
    var submitter = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent &&
      event.detail.requestConfig.triggeringEvent.submitter;
    event.detail.xhr.readinessFocus = {
      control: describe(submitter || (active && active !== document.body ? active : event.detail.elt)),
      target: event.detail.target ? event.detail.target.id : null,
      action: config.path || null
    };
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail.xhr;
    var memory = xhr && xhr.readinessFocus;
    if (!memory) {
      return;
    }
    xhr.readinessFocus = null;
    var region = (memory.target && document.getElementById(memory.target)) || document;
    if (xhr.status === 422 || xhr.status === 409) {
      var error = firstError(region) || firstError(document);
      if (error) {
        focusOn(error);
        return;
      }
    }
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) {
      return; // still where it was, or htmx moved it to an autofocus field
    }
    var control = memory.control && find(memory.control);
    if (usable(control)) {
      focusOn(control);
      return;
    }
    // The control is gone (a row opened or closed, a button no longer applies): the first
    // control of the row or section around it, else of the region that was replaced.
    var around = (memory.control && survivor(memory.control)) || (region !== document ? region : null);
    if (around && around.isConnected) {
      focusOn(firstControl(around) || around);
    }
  });
})();
