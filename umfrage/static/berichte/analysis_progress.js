/* Analysis of a large survey: polls whether the current analysis is stored and
   the progress of its job. On the progress page (data-reload) the bar moves and
   the page reloads when the analysis is ready; on a page showing an earlier
   state it offers a link to the new one. A failed job shows its message and
   the retry button. */
/* On a page showing an earlier state the status line (#analysis-next) stays
   hidden until there is news. */
(function () {
  "use strict";
  var box = document.getElementById("analysis");
  if (!box) { return; }
  var bar = document.getElementById("analysis-progress");
  var text = document.getElementById("analysis-status-text");
  var retry = document.getElementById("analysis-retry");
  var reloadLink = document.getElementById("analysis-reload");
  var next = document.getElementById("analysis-next");
  var lang = document.documentElement.lang;
  var lastText = text.textContent;

  function say(message) {
    if (next) { next.hidden = false; }
    if (message !== lastText) {
      text.textContent = message;
      lastText = message;
    }
  }

  function show(data) {
    if (data.ready) {
      say(box.dataset.textReady);
      if (box.dataset.reload) {
        window.setTimeout(function () { window.location.reload(); }, 300);
      } else if (reloadLink) {
        reloadLink.hidden = false;
      }
      return false;
    }
    if (data.status === "failed") {
      say(box.dataset.textFailed + " " + (data.error || ""));
      if (retry) { retry.hidden = false; }
      return false;
    }
    if (bar) {
      bar.value = data.percent;
      bar.textContent = data.percent + " %";
      if (data.status === "running") {
        say(box.dataset.textRunning
          .replace("{done}", data.done.toLocaleString(lang))
          .replace("{total}", data.total.toLocaleString(lang))
          .replace("{percent}", data.percent));
      } else {
        say(box.dataset.textQueued);
      }
    }
    return true;
  }

  function poll() {
    fetch(box.dataset.statusUrl, {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (show(data)) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 300);
}());
