// Every page's script: once a request succeeds again, the notice that the last one could
// not be saved (answered 503 while the database was away) no longer holds.
(function () {
  "use strict";
  document.addEventListener("htmx:afterRequest", function (event) {
    var status = document.getElementById("connection-status");
    var xhr = event.detail.xhr;
    if (status && xhr && xhr.status >= 200 && xhr.status < 400 && status.firstChild) {
      status.replaceChildren();
    }
  });
})();
