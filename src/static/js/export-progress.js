// «Мои данные»: while an export is being built, ask its state every second and show the progress.
(function () {
  "use strict";
  document.querySelectorAll("[data-export-status]").forEach(function (row) {
    var url = row.getAttribute("data-export-status");
    var bar = row.querySelector("progress");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (bar) { bar.value = data.progress; }
          if (data.state === "ready" || data.state === "failed") { window.location.reload(); return; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 1000);
  });
})();
